import { createRequire as __agentgateCreateRequire } from 'node:module'; const require = __agentgateCreateRequire(import.meta.url);
var SAST_PACK={"ast-grep/rules/go-exec-sh-concat.yml":`id: go-exec-sh-concat
language: go
severity: error
message: exec.Command runs a shell (sh -c) on a command built by concatenation or fmt.Sprintf, so a value containing shell syntax can run other commands.
note: Call the program directly with separate arguments, e.g. exec.Command("git", "checkout", branch), and validate the values you pass.
metadata:
  cwe: CWE-78
  cweName: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')
  agentgateSeverity: critical
  fix: Call the program directly with separate arguments, e.g. exec.Command("git", "checkout", branch), and validate the values you pass.
utils:
  literal:
    any:
      - kind: interpreted_string_literal
      - kind: raw_string_literal
      - kind: int_literal
  # A string put together at run time: fmt.Sprintf(...), or a + chain with an operand that is not a literal.
  built-string:
    any:
      - kind: call_expression
        has: { field: function, regex: '^fmt\\.Sprintf$' }
      - kind: binary_expression
        all:
          - has: { field: operator, regex: '^\\+$' }
          - has:
              stopBy: end
              all:
                - any:
                    - inside: { kind: binary_expression, field: left }
                    - inside: { kind: binary_expression, field: right }
                - not: { matches: literal }
                - not: { kind: binary_expression, has: { field: operator, regex: '^\\+$' } }
                - not: { kind: parenthesized_expression }
  shell: { regex: '^["\`](/usr)?(/bin/)?(ba|da|k|z)?sh["\`]$' }
  dash-c: { regex: '^["\`]-c["\`]$' }
rule:
  kind: call_expression
  any:
    # exec.Command("sh", "-c", "tar czf " + dir)
    - all:
        - has: { field: function, regex: '^exec\\.Command$' }
        - has:
            field: arguments
            all:
              - has: { nthChild: 1, matches: shell }
              - has: { nthChild: 2, matches: dash-c }
              - has: { nthChild: 3, matches: built-string }
    # exec.CommandContext(ctx, "bash", "-c", fmt.Sprintf(...))
    - all:
        - has: { field: function, regex: '^exec\\.CommandContext$' }
        - has:
            field: arguments
            all:
              - has: { nthChild: 2, matches: shell }
              - has: { nthChild: 3, matches: dash-c }
              - has: { nthChild: 4, matches: built-string }
`,"ast-grep/rules/go-jwt-hardcoded-secret.yml":`id: go-jwt-hardcoded-secret
language: go
severity: error
message: A JWT is signed or verified with a key written in the source, so anyone who can read the code can mint valid tokens.
note: Read the signing key from the environment or a secret manager (e.g. os.Getenv("JWT_SECRET")) and refuse to start when it is empty.
metadata:
  cwe: CWE-798
  cweName: Use of Hard-coded Credentials
  agentgateSeverity: high
  fix: Read the signing key from the environment or a secret manager (e.g. os.Getenv("JWT_SECRET")) and refuse to start when it is empty.
utils:
  # []byte("literal")
  literal-key:
    any: [{ kind: type_conversion_expression }, { kind: call_expression }]
    regex: '^\\[\\]byte\\(\\s*("([^"\\\\]|\\\\.)*"|\`[^\`]*\`)\\s*\\)$'
rule:
  any:
    # token.SignedString([]byte("secret"))
    - kind: call_expression
      all:
        - has: { field: function, regex: '\\.SignedString$' }
        - has: { field: arguments, has: { nthChild: 1, matches: literal-key } }
    # var jwtKey = []byte("secret"), jwtSecret := []byte("secret")
    - matches: literal-key
      inside:
        kind: expression_list
        inside:
          any: [{ kind: var_spec }, { kind: short_var_declaration }, { kind: const_spec }, { kind: assignment_statement }]
          has: { field: left, regex: '(?i)(jwt|signing_?key|hmac_?(key|secret))' }
    - matches: literal-key
      inside:
        kind: expression_list
        inside:
          kind: var_spec
          has: { field: name, regex: '(?i)(jwt|signing_?key|hmac_?(key|secret))' }
    # jwt.Parse(s, func(*jwt.Token) (interface{}, error) { return []byte("secret"), nil })
    - matches: literal-key
      inside:
        kind: expression_list
        inside:
          kind: return_statement
          inside:
            stopBy: end
            kind: call_expression
            has: { field: function, regex: '(^|\\.)(jwt\\.)?(Parse|ParseWithClaims)$' }
`,"ast-grep/rules/go-sql-string-concat.yml":`id: go-sql-string-concat
language: go
severity: error
message: A SQL statement is built by concatenation or fmt.Sprintf, so a value containing quotes or SQL can change the query.
note: Pass values as query arguments with placeholders, e.g. db.Query("SELECT * FROM t WHERE id = $1", id), never by string building.
metadata:
  cwe: CWE-89
  cweName: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')
  agentgateSeverity: high
  fix: Pass values as query arguments with placeholders, e.g. db.Query("SELECT * FROM t WHERE id = $1", id), never by string building.
utils:
  literal:
    any:
      - kind: interpreted_string_literal
      - kind: raw_string_literal
      - kind: int_literal
  built-string:
    any:
      - kind: call_expression
        has: { field: function, regex: '^fmt\\.Sprintf$' }
      - kind: binary_expression
        all:
          - has: { field: operator, regex: '^\\+$' }
          - has:
              stopBy: end
              all:
                - any:
                    - inside: { kind: binary_expression, field: left }
                    - inside: { kind: binary_expression, field: right }
                - not: { matches: literal }
                - not: { kind: binary_expression, has: { field: operator, regex: '^\\+$' } }
                - not: { kind: parenthesized_expression }
  plus:
    kind: binary_expression
    has: { field: operator, regex: '^\\+$' }
  # Text that starts like a statement (after fmt.Sprintf's parenthesis). One case only, so prose is not SQL.
  sql-text:
    regex: '^(fmt\\.Sprintf\\(\\s*)?["\`]\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)'
  # An argument of a database/sql, sqlx, pgx or gorm call that runs SQL text.
  query-argument:
    inside:
      kind: argument_list
      inside:
        kind: call_expression
        has:
          field: function
          kind: selector_expression
          has:
            field: field
            regex: '^(Query|QueryRow|QueryContext|QueryRowContext|Exec|ExecContext|Prepare|PrepareContext|Queryx|QueryRowx|QueryxContext|QueryRowxContext|MustExec|NamedExec|NamedQuery|Raw)$'
rule:
  matches: built-string
  # Report a + chain once, at its outermost expression.
  not:
    any:
      - inside: { matches: plus }
      - inside: { kind: parenthesized_expression, inside: { matches: plus } }
  any:
    - matches: sql-text
    - matches: query-argument
`,"ast-grep/rules/go-tls-insecure-skip-verify.yml":`id: go-tls-insecure-skip-verify
language: go
severity: error
message: tls.Config sets InsecureSkipVerify to true, so any certificate is accepted and anyone on the network path can impersonate the server.
note: Remove InsecureSkipVerify; to trust a private CA, add its certificate to a x509.CertPool and set it as RootCAs.
metadata:
  cwe: CWE-295
  cweName: Improper Certificate Validation
  agentgateSeverity: high
  fix: Remove InsecureSkipVerify; to trust a private CA, add its certificate to a x509.CertPool and set it as RootCAs.
rule:
  any:
    # &tls.Config{InsecureSkipVerify: true}
    - kind: keyed_element
      all:
        - has: { field: key, regex: '^InsecureSkipVerify$' }
        - has: { field: value, regex: '^true$' }
    # cfg.InsecureSkipVerify = true
    - kind: assignment_statement
      all:
        - has: { field: left, regex: '\\.InsecureSkipVerify$' }
        - has: { field: right, regex: '^true$' }
`,"ast-grep/rules/go-weak-hash-password.yml":`id: go-weak-hash-password
language: go
severity: error
message: A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours.
note: Hash passwords with golang.org/x/crypto/bcrypt or argon2 (bcrypt.GenerateFromPassword, argon2.IDKey).
metadata:
  cwe: CWE-916
  cweName: Use of Password Hash With Insufficient Computational Effort
  agentgateSeverity: high
  fix: Hash passwords with golang.org/x/crypto/bcrypt or argon2 (bcrypt.GenerateFromPassword, argon2.IDKey).
utils:
  password-ish: { regex: '(?i)(passw(or)?d|passwd|pwd|passphrase)' }
rule:
  kind: call_expression
  all:
    - has: { field: function, regex: '^(md5|sha1)\\.(Sum|New)$' }
    - any:
        # md5.Sum([]byte(password))
        - has: { field: arguments, matches: password-ish }
        # ...or the hash is made inside a function whose name says it handles passwords.
        - inside:
            stopBy: end
            any:
              - kind: function_declaration
                has: { field: name, matches: password-ish }
              - kind: method_declaration
                has: { field: name, matches: password-ish }
`,"ast-grep/rules/js-child-process-exec-interpolated.yml":`id: js-child-process-exec-interpolated
language: tsx
severity: error
message: A shell command is built from interpolated or concatenated strings, so a value containing shell syntax can run other commands.
note: Run the program without a shell, with execFile or spawn and an argument array, and validate the values you pass.
metadata:
  cwe: CWE-78
  cweName: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')
  agentgateSeverity: critical
  fix: Run the program without a shell, with execFile or spawn and an argument array, and validate the values you pass.
utils:
  literal:
    any:
      - kind: string
      - kind: number
      - kind: template_string
        not: { has: { kind: template_substitution } }
  # A string put together at run time: a template with substitutions (not a tagged one, whose tag decides
  # how values are used), or a + chain with at least one operand that is not a literal.
  built-string:
    any:
      - kind: template_string
        has: { kind: template_substitution }
        not: { inside: { kind: call_expression } }
      - kind: binary_expression
        all:
          - has: { field: operator, regex: '^\\+$' }
          - has:
              stopBy: end
              all:
                - any:
                    - inside: { kind: binary_expression, field: left }
                    - inside: { kind: binary_expression, field: right }
                - not: { matches: literal }
                - not: { kind: binary_expression, has: { field: operator, regex: '^\\+$' } }
                - not: { kind: parenthesized_expression }
  built-first-argument:
    has: { field: arguments, has: { nthChild: 1, matches: built-string } }
rule:
  kind: call_expression
  any:
    # exec(\`git log \${ref}\`), execSync('rm -rf ' + dir), a promisified exec, child_process.exec(...), shelljs
    - all:
        - has:
            field: function
            any:
              - kind: identifier
                regex: '^(exec|execSync|execAsync|execPromise|execP|execPromised|execaCommand|execaCommandSync)$'
              - kind: member_expression
                all:
                  - has: { field: property, regex: '^(exec|execSync)$' }
                  - has: { field: object, regex: '(?i)(child_?process|^cp$|^proc$|^shell(js)?$)' }
              - kind: call_expression
                regex: '^(util\\.)?promisify\\(([\\w.]+\\.)?exec\\)$'
        - matches: built-first-argument
    # spawn(\`...\`, { shell: true }) and friends hand the string to a shell too.
    - all:
        - has: { field: function, regex: '(^|\\.)(spawn|spawnSync|execFile|execFileSync)$' }
        - matches: built-first-argument
        - has:
            field: arguments
            has:
              kind: object
              has:
                kind: pair
                all:
                  - has: { field: key, regex: '^[''"]?shell[''"]?$' }
                  - has: { field: value, kind: 'true' }
    # spawn('sh', ['-c', \`... \${x}\`])
    - all:
        - has: { field: function, regex: '(^|\\.)(spawn|spawnSync|execFile|execFileSync)$' }
        - has:
            field: arguments
            all:
              - has: { nthChild: 1, regex: '^[''"\`](/usr)?(/bin/)?(ba|da|k|z)?sh[''"\`]$' }
              - has:
                  nthChild: 2
                  kind: array
                  all:
                    - has: { regex: '^[''"\`]-c[''"\`]$' }
                    - has: { matches: built-string }
`,"ast-grep/rules/js-dom-html-injection.yml":`id: js-dom-html-injection
language: tsx
severity: error
message: HTML that is not a literal is written into the page (innerHTML, outerHTML, insertAdjacentHTML or document.write), so any markup or script it carries runs in the page.
note: Set textContent or build elements with createElement, or pass the markup through a sanitizer such as DOMPurify.sanitize first.
metadata:
  cwe: CWE-79
  cweName: Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')
  agentgateSeverity: high
  fix: Set textContent or build elements with createElement, or pass the markup through a sanitizer such as DOMPurify.sanitize first.
utils:
  sanitized:
    kind: call_expression
    has: { field: function, regex: '(?i)(sanitize|purify|escape|encodeHtml|htmlEncode)' }
  # Markup that cannot carry someone else's HTML: literals, empty values, sanitizer output, and templates
  # whose every substitution is sanitizer output.
  safe-html:
    any:
      - kind: string
      - kind: number
      - kind: 'null'
      - kind: undefined
      - matches: sanitized
      - kind: template_string
        not: { has: { kind: template_substitution, not: { has: { matches: sanitized } } } }
rule:
  any:
    - any: [{ kind: assignment_expression }, { kind: augmented_assignment_expression }]
      all:
        - has: { field: left, kind: member_expression, has: { field: property, regex: '^(innerHTML|outerHTML)$' } }
        - has: { field: right, not: { matches: safe-html } }
    - kind: call_expression
      all:
        - has: { field: function, kind: member_expression, has: { field: property, regex: '^insertAdjacentHTML$' } }
        - has: { field: arguments, has: { nthChild: 2, not: { matches: safe-html } } }
    - kind: call_expression
      all:
        - has: { field: function, regex: '^((window|globalThis)\\.)?document\\.(write|writeln)$' }
        - has: { field: arguments, has: { nthChild: 1, not: { matches: safe-html } } }
`,"ast-grep/rules/js-eval-dynamic.yml":`id: js-eval-dynamic
language: tsx
severity: error
message: Code is evaluated from a string that is not a literal, so whoever shapes that string can run arbitrary code.
note: Do not evaluate strings as code; parse data with JSON.parse and dispatch to known functions instead.
metadata:
  cwe: CWE-95
  cweName: Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')
  agentgateSeverity: critical
  fix: Do not evaluate strings as code; parse data with JSON.parse and dispatch to known functions instead.
utils:
  literal:
    any:
      - kind: string
      - kind: template_string
        not: { has: { kind: template_substitution } }
  built-string:
    any:
      - kind: template_string
        has: { kind: template_substitution }
      - kind: binary_expression
        has: { field: operator, regex: '^\\+$' }
  # Function(..., body) and new Function(..., body): the last argument is the body.
  dynamic-body:
    has: { field: arguments, has: { nthChild: { position: 1, reverse: true }, not: { matches: literal } } }
rule:
  any:
    # eval(code), window.eval(code), globalThis.eval(code)
    - kind: call_expression
      all:
        - has: { field: function, regex: '^((window|globalThis|global|self)\\.)?eval$' }
        - has: { field: arguments, has: { nthChild: 1, not: { matches: literal } } }
    - kind: call_expression
      all:
        - has: { field: function, regex: '^((window|globalThis|global|self)\\.)?Function$' }
        - matches: dynamic-body
    - kind: new_expression
      all:
        - has: { field: constructor, regex: '^((window|globalThis|global|self)\\.)?Function$' }
        - matches: dynamic-body
    # setTimeout("code" + x) compiles a string argument the way eval does.
    - kind: call_expression
      all:
        - has: { field: function, regex: '^((window|globalThis|global|self)\\.)?(setTimeout|setInterval)$' }
        - has: { field: arguments, has: { nthChild: 1, matches: built-string } }
`,"ast-grep/rules/js-jwt-hardcoded-secret.yml":`id: js-jwt-hardcoded-secret
language: tsx
severity: error
message: A JWT is signed or verified with a secret written in the source, so anyone who can read the code can mint valid tokens.
note: Load the signing secret from the environment or a secret manager (e.g. process.env.JWT_SECRET) and fail at startup when it is missing.
metadata:
  cwe: CWE-798
  cweName: Use of Hard-coded Credentials
  agentgateSeverity: high
  fix: Load the signing secret from the environment or a secret manager (e.g. process.env.JWT_SECRET) and fail at startup when it is missing.
utils:
  literal:
    any:
      - kind: string
      - kind: template_string
        not: { has: { kind: template_substitution } }
  # A literal, or a literal fallback such as process.env.JWT_SECRET || 'dev-secret'.
  hardcoded:
    any:
      - matches: literal
      - kind: binary_expression
        all:
          - has: { field: operator, regex: '^(\\|\\||\\?\\?)$' }
          - has: { field: right, matches: literal }
rule:
  any:
    # jwt.sign(payload, 'secret'), jwt.verify(token, 'secret'), sign/verify imported from jsonwebtoken
    - kind: call_expression
      all:
        - has: { field: function, regex: '^((jwt|JWT|jsonwebtoken|jsonWebToken)\\.)?(sign|verify)$' }
        - has: { field: arguments, has: { nthChild: 2, matches: hardcoded } }
    # passport-jwt: new JwtStrategy({ secretOrKey: 'secret' }, ...)
    - kind: pair
      all:
        - has: { field: key, regex: '^[''"]?(secretOrKey|secretOrPrivateKey|secretOrPublicKey)[''"]?$' }
        - has: { field: value, matches: hardcoded }
    # expressjwt({ secret: 'secret' }), JwtModule.register({ secret: 'secret' })
    - kind: pair
      all:
        - has: { field: key, regex: '^[''"]?secret[''"]?$' }
        - has: { field: value, matches: hardcoded }
        - inside:
            stopBy: end
            kind: call_expression
            has: { field: function, regex: '(?i)jwt' }
`,"ast-grep/rules/js-react-dangerously-set-inner-html.yml":`id: js-react-dangerously-set-inner-html
language: tsx
severity: error
message: dangerouslySetInnerHTML is given HTML that is not a literal, so any markup or script it carries is rendered as is.
note: "Render the value as text through JSX, or sanitize it first, e.g. { __html: DOMPurify.sanitize(html) }."
metadata:
  cwe: CWE-79
  cweName: Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')
  agentgateSeverity: high
  fix: "Render the value as text through JSX, or sanitize it first, e.g. { __html: DOMPurify.sanitize(html) }."
utils:
  sanitized:
    kind: call_expression
    has: { field: function, regex: '(?i)(sanitize|purify|escape|encodeHtml|htmlEncode)' }
  safe-html:
    any:
      - kind: string
      - kind: template_string
        not: { has: { kind: template_substitution, not: { has: { matches: sanitized } } } }
      - matches: sanitized
  # { __html: <safe> }: the only shape that is known to be harmless.
  safe-object:
    kind: object
    has:
      kind: pair
      all:
        - has: { field: key, regex: '^[''"]?__html[''"]?$' }
        - has: { field: value, matches: safe-html }
rule:
  any:
    # <div dangerouslySetInnerHTML={{ __html: html }} /> or ={markup}
    - kind: jsx_attribute
      all:
        - has: { kind: property_identifier, regex: '^dangerouslySetInnerHTML$' }
        - not: { has: { kind: jsx_expression, has: { matches: safe-object } } }
    # React.createElement('div', { dangerouslySetInnerHTML: { __html: html } })
    - kind: pair
      all:
        - has: { field: key, regex: '^[''"]?dangerouslySetInnerHTML[''"]?$' }
        - not: { has: { field: value, matches: safe-object } }
`,"ast-grep/rules/js-sql-string-concat.yml":`id: js-sql-string-concat
language: tsx
severity: error
message: A SQL statement is built by concatenation or template interpolation, so a value containing quotes or SQL can change the query.
note: Pass values as bind parameters (query('... WHERE id = $1', [id])) or use a tagged sql template, never by string building.
metadata:
  cwe: CWE-89
  cweName: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')
  agentgateSeverity: high
  fix: Pass values as bind parameters (query('... WHERE id = $1', [id])) or use a tagged sql template, never by string building.
utils:
  literal:
    any:
      - kind: string
      - kind: number
      - kind: template_string
        not: { has: { kind: template_substitution } }
  # A string put together at run time: a template with substitutions (not a tagged one such as sql\`...\`,
  # whose tag turns values into parameters), or a + chain with an operand that is not a literal.
  built-string:
    any:
      - kind: template_string
        has: { kind: template_substitution }
        not: { inside: { kind: call_expression } }
      - kind: binary_expression
        all:
          - has: { field: operator, regex: '^\\+$' }
          - has:
              stopBy: end
              all:
                - any:
                    - inside: { kind: binary_expression, field: left }
                    - inside: { kind: binary_expression, field: right }
                - not: { matches: literal }
                - not: { kind: binary_expression, has: { field: operator, regex: '^\\+$' } }
                - not: { kind: parenthesized_expression }
  plus:
    kind: binary_expression
    has: { field: operator, regex: '^\\+$' }
  # Text that starts like a statement. Keywords in one case only, so UI text ("Select a file from") is not SQL.
  sql-text:
    regex: '^[''"\`]\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)'
  # The first argument of a call that runs SQL text: a method only SQL clients have, or a generic name
  # (execute, raw, unsafe, literal) on an object named like a database handle.
  query-argument:
    nthChild: 1
    inside:
      kind: arguments
      inside:
        kind: call_expression
        has:
          field: function
          kind: member_expression
          any:
            - has:
                field: property
                regex: '^(query|\\$queryRawUnsafe|\\$executeRawUnsafe|whereRaw|orWhereRaw|havingRaw|orHavingRaw|orderByRaw|groupByRaw|joinRaw|fromRaw|selectRaw)$'
            - all:
                - has: { field: property, regex: '^(execute|raw|unsafe|literal)$' }
                - has:
                    field: object
                    regex: '(?i)(^|\\.|_)(db|database|knex|sql|sequelize|pool|conn|connection|client|trx|tx|prisma|pg|mysql|sqlite|postgres)$'
  sql-name:
    regex: '^(sql|SQL|stmt)([A-Z_0-9]\\w*)?$|^\\w*[a-z0-9](Sql|SQL|Stmt)([A-Z_0-9]\\w*)?$|^\\w*_(sql|SQL|stmt)(_\\w*)?$'
rule:
  all:
    - any: [{ kind: template_string }, { kind: binary_expression }]
    - matches: built-string
    # Report a + chain once, at its outermost expression.
    - not:
        any:
          - inside: { matches: plus }
          - inside: { kind: parenthesized_expression, inside: { matches: plus } }
    - any:
        - matches: sql-text
        - matches: query-argument
        - inside: { kind: variable_declarator, has: { field: name, matches: sql-name } }
        - inside:
            any: [{ kind: assignment_expression }, { kind: augmented_assignment_expression }]
            has:
              field: left
              any:
                - matches: sql-name
                - kind: member_expression
                  has: { field: property, matches: sql-name }
`,"ast-grep/rules/js-tls-verify-disabled.yml":`id: js-tls-verify-disabled
language: tsx
severity: error
message: TLS certificate verification is turned off, so anyone on the network path can impersonate the server and read or change the traffic.
note: Keep certificate verification on; to trust a private CA, pass its certificate with the ca option or NODE_EXTRA_CA_CERTS.
metadata:
  cwe: CWE-295
  cweName: Improper Certificate Validation
  agentgateSeverity: high
  fix: Keep certificate verification on; to trust a private CA, pass its certificate with the ca option or NODE_EXTRA_CA_CERTS.
utils:
  zero: { regex: '^([''"\`]0[''"\`]|0)$' }
  # A checkServerIdentity that accepts every certificate: it returns nothing.
  accept-all:
    any:
      - kind: arrow_function
        regex: '^(\\([^)]*\\)|\\w+)\\s*=>\\s*(\\{\\s*(return\\s*(undefined|null)?\\s*;?\\s*)?\\}|undefined|null|\\(?\\s*undefined\\s*\\)?)$'
      - kind: function_expression
        regex: '^function\\s*\\w*\\s*\\([^)]*\\)\\s*\\{\\s*(return\\s*(undefined|null)?\\s*;?\\s*)?\\}$'
rule:
  any:
    # { rejectUnauthorized: false } (https, tls, pg, ...), { strictSSL: false } (request)
    - kind: pair
      all:
        - has: { field: key, regex: '^[''"]?(rejectUnauthorized|strictSSL)[''"]?$' }
        - has: { field: value, kind: 'false' }
    - kind: assignment_expression
      all:
        - has: { field: left, kind: member_expression, has: { field: property, regex: '^(rejectUnauthorized|strictSSL)$' } }
        - has: { field: right, kind: 'false' }
    # process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0' turns verification off for the whole process.
    - kind: assignment_expression
      all:
        - has: { field: left, regex: 'NODE_TLS_REJECT_UNAUTHORIZED' }
        - has: { field: right, matches: zero }
    - kind: pair
      all:
        - has: { field: key, regex: '^[''"]?NODE_TLS_REJECT_UNAUTHORIZED[''"]?$' }
        - has: { field: value, matches: zero }
    - kind: pair
      all:
        - has: { field: key, regex: '^[''"]?checkServerIdentity[''"]?$' }
        - has: { field: value, matches: accept-all }
`,"ast-grep/rules/js-vm-dynamic-code.yml":`id: js-vm-dynamic-code
language: tsx
severity: error
message: Node's vm module compiles a string that is not a literal, and vm is not a security boundary, so that string can run arbitrary code.
note: Do not compile code built at run time; if untrusted code must run, isolate it in a separate process or sandbox.
metadata:
  cwe: CWE-95
  cweName: Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')
  agentgateSeverity: critical
  fix: Do not compile code built at run time; if untrusted code must run, isolate it in a separate process or sandbox.
utils:
  literal:
    any:
      - kind: string
      - kind: template_string
        not: { has: { kind: template_substitution } }
  dynamic-first-argument:
    has: { field: arguments, has: { nthChild: 1, not: { matches: literal } } }
rule:
  any:
    # vm.runInContext(code, ctx), runInNewContext(code) after a destructured import, ...
    - kind: call_expression
      all:
        - has:
            field: function
            regex: '^((\\w+\\.)*vm\\.)?(runInContext|runInNewContext|runInThisContext|compileFunction)$'
        - matches: dynamic-first-argument
    - kind: new_expression
      all:
        - has: { field: constructor, regex: '^((\\w+\\.)*vm\\.)?Script$' }
        - matches: dynamic-first-argument
        # A bare \`Script\` counts only in a file that loads the vm module.
        - any:
            - has: { field: constructor, regex: '\\bvm\\.Script$' }
            - inside:
                stopBy: end
                kind: program
                has: { stopBy: end, kind: string, regex: '^[''"](node:)?vm[''"]$' }
`,"ast-grep/rules/js-weak-hash-password.yml":`id: js-weak-hash-password
language: tsx
severity: error
message: A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours.
note: Hash passwords with a slow, salted algorithm such as argon2, bcrypt or crypto.scrypt.
metadata:
  cwe: CWE-916
  cweName: Use of Password Hash With Insufficient Computational Effort
  agentgateSeverity: high
  fix: Hash passwords with a slow, salted algorithm such as argon2, bcrypt or crypto.scrypt.
utils:
  password-ish: { regex: '(?i)(passw(or)?d|passwd|pwd|passphrase)' }
  # crypto.createHash('md5'), createHash('sha1'), ...
  weak-hash:
    kind: call_expression
    all:
      - has: { field: function, regex: '(^|\\.)createHash$' }
      - has:
          field: arguments
          has: { nthChild: 1, regex: '^[''"\`](?i:md4|md5|sha1|sha-1|ripemd160|rmd160)[''"\`]$' }
rule:
  kind: call_expression
  matches: weak-hash
  any:
    # createHash('md5').update(password): the hash object's update call takes a password-like value.
    - inside:
        kind: member_expression
        has: { field: property, regex: '^update$' }
        inside:
          kind: call_expression
          has: { field: arguments, has: { nthChild: 1, matches: password-ish } }
    # ...or the hash is made inside a function whose name says it handles passwords.
    - inside:
        stopBy: end
        any:
          - kind: function_declaration
            has: { field: name, matches: password-ish }
          - kind: method_definition
            has: { field: name, matches: password-ish }
          - kind: variable_declarator
            all:
              - has: { field: name, matches: password-ish }
              - has: { field: value, any: [{ kind: arrow_function }, { kind: function_expression }] }
`,"ast-grep/rules/py-eval-dynamic.yml":`id: py-eval-dynamic
language: python
severity: error
message: Code is evaluated from a string that is not a literal (eval, exec or compile), so whoever shapes that string can run arbitrary code.
note: Do not evaluate strings as code; parse data with json.loads or ast.literal_eval and dispatch to known functions instead.
metadata:
  cwe: CWE-95
  cweName: Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')
  agentgateSeverity: critical
  fix: Do not evaluate strings as code; parse data with json.loads or ast.literal_eval and dispatch to known functions instead.
utils:
  literal:
    any:
      - kind: string
        not: { has: { kind: interpolation } }
      - kind: concatenated_string
        not: { has: { stopBy: end, kind: interpolation } }
rule:
  kind: call
  all:
    - has: { field: arguments, has: { nthChild: 1, not: { matches: literal } } }
    - any:
        - has: { field: function, regex: '^(builtins\\.)?(eval|exec)$' }
        # compile(source, filename, mode): a bare compile with fewer arguments is py_compile's, not the builtin.
        - all:
            - has: { field: function, regex: '^(builtins\\.)?compile$' }
            - has:
                field: arguments
                any:
                  - has: { nthChild: 3, regex: '^[''"](exec|eval|single)[''"]$' }
                  - has: { kind: keyword_argument, has: { field: name, regex: '^mode$' } }
`,"ast-grep/rules/py-jwt-hardcoded-secret.yml":`id: py-jwt-hardcoded-secret
language: python
severity: error
message: A JWT is signed or verified with a key written in the source, so anyone who can read the code can mint valid tokens.
note: Read the signing key from the environment or a secret manager (e.g. os.environ["JWT_SECRET"]) and fail at startup when it is missing.
metadata:
  cwe: CWE-798
  cweName: Use of Hard-coded Credentials
  agentgateSeverity: high
  fix: Read the signing key from the environment or a secret manager (e.g. os.environ["JWT_SECRET"]) and fail at startup when it is missing.
utils:
  literal:
    any:
      - kind: string
        not: { has: { kind: interpolation } }
      - kind: concatenated_string
        not: { has: { stopBy: end, kind: interpolation } }
  # A literal, or a literal fallback such as os.environ.get("JWT_SECRET", "dev") / os.getenv("K") or "dev".
  hardcoded:
    any:
      - matches: literal
      - kind: boolean_operator
        all:
          - has: { field: operator, regex: '^or$' }
          - has: { field: right, matches: literal }
      - kind: call
        all:
          - has: { field: function, regex: '^(os\\.environ\\.get|os\\.getenv)$' }
          - has: { field: arguments, has: { nthChild: 2, matches: literal } }
rule:
  any:
    # jwt.encode(payload, "secret", algorithm="HS256"), jwt.decode(token, "secret", ...), key="secret"
    - kind: call
      all:
        - has: { field: function, regex: '^(\\w+\\.)?jwt\\.(encode|decode)$' }
        - has:
            field: arguments
            any:
              - has: { nthChild: 2, matches: hardcoded }
              - has:
                  kind: keyword_argument
                  all:
                    - has: { field: name, regex: '^key$' }
                    - has: { field: value, matches: hardcoded }
    # app.config["JWT_SECRET_KEY"] = "secret", JWT_SECRET = "secret" (Flask-JWT-Extended, settings modules)
    - kind: assignment
      all:
        - has: { field: left, regex: '(?i)jwt_?secret(_?key)?[''"]?\\]?$' }
        - has: { field: right, matches: hardcoded }
`,"ast-grep/rules/py-os-system.yml":`id: py-os-system
language: python
severity: error
message: A command that is not a literal is run through the shell (os.system, os.popen or a shell helper), so a value containing shell syntax can run other commands.
note: Use subprocess.run with an argument list and without shell=True, and validate the values you pass.
metadata:
  cwe: CWE-78
  cweName: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')
  agentgateSeverity: critical
  fix: Use subprocess.run with an argument list and without shell=True, and validate the values you pass.
utils:
  literal:
    any:
      - kind: string
        not: { has: { kind: interpolation } }
      - kind: concatenated_string
        not: { has: { stopBy: end, kind: interpolation } }
rule:
  kind: call
  all:
    - has:
        field: function
        regex: '^(os\\.(system|popen[234]?)|(subprocess|commands)\\.(getoutput|getstatusoutput)|asyncio\\.create_subprocess_shell)$'
    - not: { has: { field: arguments, has: { nthChild: 1, matches: literal } } }
`,"ast-grep/rules/py-pickle-load.yml":`id: py-pickle-load
language: python
severity: error
message: Data is deserialized with pickle (or a pickle-based loader), which runs arbitrary code when the data comes from anyone else.
note: Exchange data as JSON or another data-only format; unpickle only files your own process wrote and nobody else can modify.
metadata:
  cwe: CWE-502
  cweName: Deserialization of Untrusted Data
  agentgateSeverity: high
  fix: Exchange data as JSON or another data-only format; unpickle only files your own process wrote and nobody else can modify.
rule:
  kind: call
  has:
    field: function
    regex: '^(((c|_)?pickle|cPickle|dill|cloudpickle)\\.(loads?|Unpickler)|marshal\\.loads?|jsonpickle\\.(decode|loads)|(pd|pandas)\\.read_pickle|joblib\\.load)$'
`,"ast-grep/rules/py-sql-string-concat.yml":`id: py-sql-string-concat
language: python
severity: error
message: A SQL statement is built with an f-string, +, % or .format(), so a value containing quotes or SQL can change the query.
note: Pass values as query parameters, e.g. cursor.execute("SELECT * FROM t WHERE id = %s", (id,)), never by string building.
metadata:
  cwe: CWE-89
  cweName: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')
  agentgateSeverity: high
  fix: Pass values as query parameters, e.g. cursor.execute("SELECT * FROM t WHERE id = %s", (id,)), never by string building.
utils:
  literal:
    any:
      - kind: string
        not: { has: { kind: interpolation } }
      - kind: concatenated_string
        not: { has: { stopBy: end, kind: interpolation } }
      - kind: integer
      - kind: float
  # A string put together at run time: an f-string with fields, a + chain with an operand that is not a
  # literal, "..." % values, or "...".format(...).
  built-string:
    any:
      - kind: string
        has: { kind: interpolation }
        not: { inside: { kind: concatenated_string } }
      - kind: concatenated_string
        has: { stopBy: end, kind: interpolation }
      - kind: binary_operator
        all:
          - has: { field: operator, regex: '^\\+$' }
          - has:
              stopBy: end
              all:
                - any:
                    - inside: { kind: binary_operator, field: left }
                    - inside: { kind: binary_operator, field: right }
                - not: { matches: literal }
                - not: { kind: binary_operator, has: { field: operator, regex: '^\\+$' } }
                - not: { kind: parenthesized_expression }
      - kind: binary_operator
        all:
          - has: { field: operator, regex: '^%$' }
          - has: { field: left, any: [{ kind: string }, { kind: concatenated_string }] }
      - kind: call
        has:
          field: function
          kind: attribute
          all:
            - has: { field: object, any: [{ kind: string }, { kind: concatenated_string }] }
            - has: { field: attribute, regex: '^format$' }
  plus:
    kind: binary_operator
    has: { field: operator, regex: '^\\+$' }
  # Text that starts like a statement. Keywords in one case only, so UI text ("Select a file from") is not SQL.
  sql-text:
    regex: '^[rRbBuUfF]{0,2}(''''''|"""|''|")\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)'
  # The first argument of a call whose name says it runs SQL text.
  query-argument:
    nthChild: 1
    inside:
      kind: argument_list
      inside:
        kind: call
        has:
          field: function
          regex: '(^|\\.)(execute|executemany|executescript|mogrify|raw|read_sql|read_sql_query)$|^(sqlalchemy\\.|sa\\.)?text$'
  sql-name:
    regex: '^(sql|SQL|stmt|STMT)(_\\w*)?$|^\\w*_(sql|SQL|stmt|STMT)(_\\w*)?$'
rule:
  matches: built-string
  # Report a + chain once, at its outermost expression.
  not:
    any:
      - inside: { matches: plus }
      - inside: { kind: parenthesized_expression, inside: { matches: plus } }
  any:
    - matches: sql-text
    - matches: query-argument
    - inside:
        any: [{ kind: assignment }, { kind: augmented_assignment }]
        has:
          field: left
          any:
            - matches: sql-name
            - kind: attribute
              has: { field: attribute, matches: sql-name }
`,"ast-grep/rules/py-subprocess-shell-true.yml":`id: py-subprocess-shell-true
language: python
severity: error
message: A subprocess runs a command through the shell (shell=True) and the command is not a literal, so a value containing shell syntax can run other commands.
note: Pass the command as a list without shell=True, e.g. subprocess.run(["git", "checkout", branch]), and validate the values you pass.
metadata:
  cwe: CWE-78
  cweName: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')
  agentgateSeverity: critical
  fix: Pass the command as a list without shell=True, e.g. subprocess.run(["git", "checkout", branch]), and validate the values you pass.
utils:
  literal:
    any:
      - kind: string
        not: { has: { kind: interpolation } }
      - kind: concatenated_string
        not: { has: { stopBy: end, kind: interpolation } }
rule:
  kind: call
  all:
    - has: { field: function, regex: '^((\\w+\\.)*subprocess\\.|sp\\.)?(run|call|check_call|check_output|Popen)$' }
    - has:
        field: arguments
        has:
          kind: keyword_argument
          all:
            - has: { field: name, regex: '^shell$' }
            - has: { field: value, kind: 'true' }
    # A fixed command string gives the shell nothing to misread.
    - not: { has: { field: arguments, has: { nthChild: 1, matches: literal } } }
`,"ast-grep/rules/py-tls-verify-disabled.yml":`id: py-tls-verify-disabled
language: python
severity: error
message: TLS certificate verification is turned off, so anyone on the network path can impersonate the server and read or change the traffic.
note: Keep verification on; to trust a private CA, pass its bundle with verify="/path/to/ca.pem" or load it into an ssl.SSLContext.
metadata:
  cwe: CWE-295
  cweName: Improper Certificate Validation
  agentgateSeverity: high
  fix: Keep verification on; to trust a private CA, pass its bundle with verify="/path/to/ca.pem" or load it into an ssl.SSLContext.
rule:
  any:
    # requests.get(url, verify=False), httpx.Client(verify=False), ...
    - kind: keyword_argument
      all:
        - has: { field: name, regex: '^verify$' }
        - has: { field: value, kind: 'false' }
    # urllib3.PoolManager(cert_reqs="CERT_NONE"), ssl.wrap_socket(s, cert_reqs=ssl.CERT_NONE)
    - kind: keyword_argument
      all:
        - has: { field: name, regex: '^cert_reqs$' }
        - has: { field: value, regex: 'CERT_NONE' }
    # ssl._create_unverified_context(), or installing it as the default
    - kind: attribute
      regex: '^ssl\\._create_unverified_context$'
    - kind: assignment
      all:
        - has: { field: left, regex: '\\.check_hostname$' }
        - has: { field: right, kind: 'false' }
    - kind: assignment
      all:
        - has: { field: left, regex: '\\.verify_mode$' }
        - has: { field: right, regex: 'CERT_NONE$' }
`,"ast-grep/rules/py-weak-hash-password.yml":`id: py-weak-hash-password
language: python
severity: error
message: A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours.
note: Hash passwords with a slow, salted algorithm such as argon2 or bcrypt, or hashlib.scrypt.
metadata:
  cwe: CWE-916
  cweName: Use of Password Hash With Insufficient Computational Effort
  agentgateSeverity: high
  fix: Hash passwords with a slow, salted algorithm such as argon2 or bcrypt, or hashlib.scrypt.
utils:
  password-ish: { regex: '(?i)(passw(or)?d|passwd|pwd|passphrase)' }
  weak-hash:
    kind: call
    any:
      - has: { field: function, regex: '^(hashlib\\.)?(md5|sha1|md4)$' }
      - all:
          - has: { field: function, regex: '^hashlib\\.new$' }
          - has: { field: arguments, has: { nthChild: 1, regex: '^[rbuRBU]?[''"](?i:md4|md5|sha1|sha-1)[''"]$' } }
rule:
  matches: weak-hash
  any:
    # hashlib.md5(password.encode()), hashlib.new("sha1", pwd)
    - has: { field: arguments, matches: password-ish }
    # ...or the hash is made inside a function whose name says it handles passwords.
    - inside:
        stopBy: end
        kind: function_definition
        has: { field: name, matches: password-ish }
`,"ast-grep/rules/py-yaml-unsafe-load.yml":`id: py-yaml-unsafe-load
language: python
severity: error
message: YAML is loaded without a safe Loader, so a document can construct arbitrary Python objects and run code.
note: Use yaml.safe_load(data), or yaml.load(data, Loader=yaml.SafeLoader).
metadata:
  cwe: CWE-502
  cweName: Deserialization of Untrusted Data
  agentgateSeverity: high
  fix: Use yaml.safe_load(data), or yaml.load(data, Loader=yaml.SafeLoader).
utils:
  safe-loader: { regex: '(^|\\.)(C?SafeLoader|C?BaseLoader)$' }
rule:
  kind: call
  any:
    - has: { field: function, regex: '^yaml\\.(unsafe_load|unsafe_load_all|full_load|full_load_all)$' }
    - all:
        - has: { field: function, regex: '^yaml\\.(load|load_all)$' }
        - not:
            has:
              field: arguments
              any:
                - has:
                    kind: keyword_argument
                    all:
                      - has: { field: name, regex: '^Loader$' }
                      - has: { field: value, matches: safe-loader }
                - has: { nthChild: 2, matches: safe-loader }
`,"ast-grep/sgconfig.yml":`# ast-grep project config for agentgate's SAST rule pack. Relative paths resolve against this file, so
# the engine can run \`ast-grep scan --config <this file> --json=stream --include-metadata <paths>\` from any cwd.
ruleDirs:
  - rules
# One grammar for every JS/TS flavour, so each js-* rule covers JavaScript, TypeScript and JSX. The cost:
# \`<T>value\` type assertions (legal only in .ts/.mts/.cts) do not parse as tsx; the parser recovers and
# the rest of the file is still scanned.
languageGlobs:
  tsx: ['*.js', '*.jsx', '*.mjs', '*.cjs', '*.ts', '*.mts', '*.cts', '*.tsx']
`,"semgrep/agentgate.yml":`# agentgate SAST rule pack for semgrep: the same rule ids, messages and metadata as the ast-grep pack in
# ../ast-grep/rules (a test keeps the two in step). The gate runs this pack when semgrep is on PATH:
#   semgrep scan --config policies/sast/semgrep/agentgate.yml --json --metrics=off <paths>
# Patterns follow semgrep's documented rule syntax; ast-grep is the engine these rules are tested with here.
# metavariable-regex matches from the start of the bound text in semgrep and opengrep (PCRE2, anchored),
# unlike ast-grep's regexes, so each one starts with ^ or .*. test/gates/semgrep-pack.test.ts checks this pack
# against the engines' rule schema and the checks their rule parser makes when it loads a config.
rules:
  # ---------------------------------------------------------------- JavaScript / TypeScript
  - id: js-child-process-exec-interpolated
    languages: [javascript, typescript]
    severity: ERROR
    message: "A shell command is built from interpolated or concatenated strings, so a value containing shell syntax can run other commands."
    metadata:
      cwe:
        - "CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"
      agentgate-severity: critical
      fix: "Run the program without a shell, with execFile or spawn and an argument array, and validate the values you pass."
    pattern-either:
      # exec(\`git log \${ref}\`), execSync('rm -rf ' + dir), a promisified exec
      - patterns:
          - pattern-either:
              - pattern: $EXEC(\`...\${...}...\`, ...)
              - pattern: $EXEC("..." + $X, ...)
              - pattern: $EXEC($X + "...", ...)
          - metavariable-regex:
              metavariable: $EXEC
              regex: ^(exec|execSync|execAsync|execPromise|execP|execPromised|execaCommand|execaCommandSync|(util\\.)?promisify\\(([\\w.]+\\.)?exec\\))$
      # child_process.exec(...), cp.execSync(...), require('child_process').exec(...), shelljs
      - patterns:
          - pattern-either:
              - pattern: $CP.$METHOD(\`...\${...}...\`, ...)
              - pattern: $CP.$METHOD("..." + $X, ...)
              - pattern: $CP.$METHOD($X + "...", ...)
          - metavariable-regex:
              metavariable: $METHOD
              regex: ^(exec|execSync)$
          - metavariable-regex:
              metavariable: $CP
              regex: (?i)^(.*child_?process|cp$|proc$|shell(js)?$)
      # spawn(\`...\`, { shell: true }) hands the string to a shell too
      - patterns:
          - pattern-either:
              - pattern: '$SPAWN(\`...\${...}...\`, ..., {..., shell: true, ...})'
              - pattern: '$SPAWN("..." + $X, ..., {..., shell: true, ...})'
              - pattern: '$SPAWN($X + "...", ..., {..., shell: true, ...})'
          - metavariable-regex:
              metavariable: $SPAWN
              regex: ^(.*\\.)?(spawn|spawnSync|execFile|execFileSync)$
      # spawn('sh', ['-c', \`... \${x}\`])
      - patterns:
          - pattern-either:
              - pattern: '$SPAWN("=~/^\\S*\\b(ba|da|k|z)?sh$/", [..., "-c", \`...\${...}...\`, ...], ...)'
              - pattern: '$SPAWN("=~/^\\S*\\b(ba|da|k|z)?sh$/", [..., "-c", "..." + $X, ...], ...)'
              - pattern: '$SPAWN("=~/^\\S*\\b(ba|da|k|z)?sh$/", [..., "-c", $X + "...", ...], ...)'
          - metavariable-regex:
              metavariable: $SPAWN
              regex: ^(.*\\.)?(spawn|spawnSync|execFile|execFileSync)$
  - id: js-dom-html-injection
    languages: [javascript, typescript]
    severity: ERROR
    message: "HTML that is not a literal is written into the page (innerHTML, outerHTML, insertAdjacentHTML or document.write), so any markup or script it carries runs in the page."
    metadata:
      cwe:
        - "CWE-79: Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
      agentgate-severity: high
      fix: "Set textContent or build elements with createElement, or pass the markup through a sanitizer such as DOMPurify.sanitize first."
    patterns:
      - pattern-either:
          - pattern: $EL.innerHTML = $HTML
          - pattern: $EL.outerHTML = $HTML
          - pattern: $EL.innerHTML += $HTML
          - pattern: $EL.outerHTML += $HTML
          - pattern: $EL.insertAdjacentHTML($POS, $HTML)
          - pattern: document.write($HTML, ...)
          - pattern: document.writeln($HTML, ...)
      - metavariable-regex:
          metavariable: $HTML
          regex: |-
            ^(?!("[^"]*"|'[^']*'|\`[^\`$]*\`|null|undefined)$)(?![\\w.]*(?i:sanitize|purify|escape)\\w*\\()
  - id: js-eval-dynamic
    languages: [javascript, typescript]
    severity: ERROR
    message: "Code is evaluated from a string that is not a literal, so whoever shapes that string can run arbitrary code."
    metadata:
      cwe:
        - "CWE-95: Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')"
      agentgate-severity: critical
      fix: "Do not evaluate strings as code; parse data with JSON.parse and dispatch to known functions instead."
    pattern-either:
      - patterns:
          - pattern-either:
              - pattern: eval($CODE)
              - pattern: window.eval($CODE)
              - pattern: globalThis.eval($CODE)
          - pattern-not: eval("...")
          - pattern-not: window.eval("...")
          - pattern-not: globalThis.eval("...")
      - patterns:
          - pattern-either:
              - pattern: new Function(..., $BODY)
              - pattern: Function(..., $BODY)
          - pattern-not: new Function(..., "...")
          - pattern-not: Function(..., "...")
      - patterns:
          - pattern-either:
              - pattern: $TIMER(\`...\${...}...\`, ...)
              - pattern: $TIMER("..." + $X, ...)
              - pattern: $TIMER($X + "...", ...)
          - metavariable-regex:
              metavariable: $TIMER
              regex: ^(setTimeout|setInterval)$
  - id: js-jwt-hardcoded-secret
    languages: [javascript, typescript]
    severity: ERROR
    message: "A JWT is signed or verified with a secret written in the source, so anyone who can read the code can mint valid tokens."
    metadata:
      cwe:
        - "CWE-798: Use of Hard-coded Credentials"
      agentgate-severity: high
      fix: "Load the signing secret from the environment or a secret manager (e.g. process.env.JWT_SECRET) and fail at startup when it is missing."
    pattern-either:
      - patterns:
          - pattern-either:
              - pattern: $JWT.sign($PAYLOAD, "...", ...)
              - pattern: $JWT.verify($TOKEN, "...", ...)
              - pattern: $JWT.sign($PAYLOAD, $ENV || "...", ...)
              - pattern: $JWT.verify($TOKEN, $ENV || "...", ...)
              - pattern: $JWT.sign($PAYLOAD, $ENV ?? "...", ...)
              - pattern: $JWT.verify($TOKEN, $ENV ?? "...", ...)
          - metavariable-regex:
              metavariable: $JWT
              regex: ^(jwt|JWT|jsonwebtoken|jsonWebToken)$
      - pattern: sign($PAYLOAD, "...", ...)
      - pattern: verify($TOKEN, "...", ...)
      - pattern: '{..., secretOrKey: "...", ...}'
      - pattern: '{..., secretOrPrivateKey: "...", ...}'
      - patterns:
          - pattern-either:
              - pattern: '$CONFIGURE({..., secret: "...", ...}, ...)'
              - pattern: '$CONFIGURE({..., secret: $ENV || "...", ...}, ...)'
          - metavariable-regex:
              metavariable: $CONFIGURE
              regex: (?i)^.*jwt
  - id: js-react-dangerously-set-inner-html
    languages: [javascript, typescript]
    severity: ERROR
    message: "dangerouslySetInnerHTML is given HTML that is not a literal, so any markup or script it carries is rendered as is."
    metadata:
      cwe:
        - "CWE-79: Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
      agentgate-severity: high
      fix: "Render the value as text through JSX, or sanitize it first, e.g. { __html: DOMPurify.sanitize(html) }."
    patterns:
      - pattern-either:
          - pattern: <$EL ... dangerouslySetInnerHTML={$HTML} />
          - pattern: '{dangerouslySetInnerHTML: $HTML}'
      - metavariable-regex:
          metavariable: $HTML
          regex: |-
            ^(?!\\{\\s*['"]?__html['"]?\\s*:\\s*("[^"]*"|'[^']*'|\`[^\`$]*\`|[\\w.]*(?i:sanitize|purify|escape)\\w*\\([\\s\\S]*\\))\\s*,?\\s*\\}$)
  - id: js-sql-string-concat
    languages: [javascript, typescript]
    severity: ERROR
    message: "A SQL statement is built by concatenation or template interpolation, so a value containing quotes or SQL can change the query."
    metadata:
      cwe:
        - "CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"
      agentgate-severity: high
      fix: "Pass values as bind parameters (query('... WHERE id = $1', [id])) or use a tagged sql template, never by string building."
    pattern-either:
      # a built string passed to a method only SQL clients have
      - patterns:
          - pattern-either:
              - pattern: $DB.$METHOD(\`...\${...}...\`, ...)
              - pattern: $DB.$METHOD("..." + ..., ...)
              - pattern: $DB.$METHOD($X + ..., ...)
          - pattern-not: $DB.$METHOD("...", ...)
          - metavariable-regex:
              metavariable: $METHOD
              regex: ^(query|\\$queryRawUnsafe|\\$executeRawUnsafe|whereRaw|orWhereRaw|havingRaw|orHavingRaw|orderByRaw|groupByRaw|joinRaw|fromRaw|selectRaw)$
      # ...or to a generic name (execute, raw, unsafe, literal) on an object named like a database handle
      - patterns:
          - pattern-either:
              - pattern: $DB.$METHOD(\`...\${...}...\`, ...)
              - pattern: $DB.$METHOD("..." + ..., ...)
              - pattern: $DB.$METHOD($X + ..., ...)
          - pattern-not: $DB.$METHOD("...", ...)
          - metavariable-regex:
              metavariable: $METHOD
              regex: ^(execute|raw|unsafe|literal)$
          - metavariable-regex:
              metavariable: $DB
              regex: (?i)^(.*[._])?(db|database|knex|sql|sequelize|pool|conn|connection|client|trx|tx|prisma|pg|mysql|sqlite|postgres)$
      # SQL-shaped text built anywhere
      - patterns:
          - pattern: '\`$SQL\${...}...\`'
          - metavariable-regex:
              metavariable: $SQL
              regex: |-
                ^[\`'"]?\\s*(SELECT|select|INSERT\\s+(IGNORE\\s+)?INTO|insert\\s+(ignore\\s+)?into|UPDATE|update|DELETE\\s+FROM|delete\\s+from|REPLACE\\s+INTO|replace\\s+into|MERGE\\s+INTO|merge\\s+into)\\s
      - patterns:
          - pattern: '"$SQL" + $X'
          - metavariable-regex:
              metavariable: $SQL
              regex: |-
                ^[\`'"]?\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)
          - metavariable-regex:
              metavariable: $X
              regex: |-
                ^[^\`'"]
      # a built string stored in a variable named like SQL
      - patterns:
          - pattern-either:
              - pattern: const $NAME = \`...\${...}...\`
              - pattern: let $NAME = \`...\${...}...\`
              - pattern: var $NAME = \`...\${...}...\`
              - pattern: $NAME = \`...\${...}...\`
              - pattern: $NAME += \`...\${...}...\`
              - pattern: const $NAME = "..." + $X
              - pattern: let $NAME = "..." + $X
              - pattern: var $NAME = "..." + $X
              - pattern: $NAME = "..." + $X
              - pattern: $NAME += "..." + $X
              - pattern: $NAME += $X + "..."
          - metavariable-regex:
              metavariable: $NAME
              regex: ^(.*\\.)?((sql|SQL|stmt)([A-Z_0-9]\\w*)?|\\w*[a-z0-9](Sql|SQL|Stmt)([A-Z_0-9]\\w*)?|\\w*_(sql|SQL|stmt)(_\\w*)?)$
  - id: js-tls-verify-disabled
    languages: [javascript, typescript]
    severity: ERROR
    message: "TLS certificate verification is turned off, so anyone on the network path can impersonate the server and read or change the traffic."
    metadata:
      cwe:
        - "CWE-295: Improper Certificate Validation"
      agentgate-severity: high
      fix: "Keep certificate verification on; to trust a private CA, pass its certificate with the ca option or NODE_EXTRA_CA_CERTS."
    pattern-either:
      - pattern: '{..., rejectUnauthorized: false, ...}'
      - pattern: '{..., strictSSL: false, ...}'
      - pattern: $OBJ.rejectUnauthorized = false
      - pattern: $OBJ.strictSSL = false
      - pattern: process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"
      - pattern: process.env.NODE_TLS_REJECT_UNAUTHORIZED = 0
      - pattern: process.env["NODE_TLS_REJECT_UNAUTHORIZED"] = "0"
      - pattern: process.env["NODE_TLS_REJECT_UNAUTHORIZED"] = 0
      - pattern: '{..., NODE_TLS_REJECT_UNAUTHORIZED: "0", ...}'
      - pattern: '{..., NODE_TLS_REJECT_UNAUTHORIZED: 0, ...}'
      - pattern: '{..., checkServerIdentity: (...) => undefined, ...}'
      - pattern: '{..., checkServerIdentity: (...) => {}, ...}'
  - id: js-vm-dynamic-code
    languages: [javascript, typescript]
    severity: ERROR
    message: "Node's vm module compiles a string that is not a literal, and vm is not a security boundary, so that string can run arbitrary code."
    metadata:
      cwe:
        - "CWE-95: Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')"
      agentgate-severity: critical
      fix: "Do not compile code built at run time; if untrusted code must run, isolate it in a separate process or sandbox."
    pattern-either:
      - patterns:
          - pattern-either:
              - pattern: $VM.$RUN($CODE, ...)
              - pattern: $RUN($CODE, ...)
          - metavariable-regex:
              metavariable: $RUN
              regex: ^(runInContext|runInNewContext|runInThisContext|compileFunction)$
          - pattern-not: $VM.$RUN("...", ...)
          - pattern-not: $RUN("...", ...)
      - patterns:
          - pattern: new vm.Script($CODE, ...)
          - pattern-not: new vm.Script("...", ...)
  - id: js-weak-hash-password
    languages: [javascript, typescript]
    severity: ERROR
    message: "A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours."
    metadata:
      cwe:
        - "CWE-916: Use of Password Hash With Insufficient Computational Effort"
      agentgate-severity: high
      fix: "Hash passwords with a slow, salted algorithm such as argon2, bcrypt or crypto.scrypt."
    pattern-either:
      # createHash('md5').update(password)
      - patterns:
          - pattern-either:
              - pattern: $CRYPTO.createHash("$ALG").update($DATA, ...)
              - pattern: createHash("$ALG").update($DATA, ...)
          - metavariable-regex:
              metavariable: $ALG
              regex: |-
                ^[\`'"]?(?i:md4|md5|sha1|sha-1|ripemd160|rmd160)[\`'"]?$
          - metavariable-regex:
              metavariable: $DATA
              regex: (?i).*(passw(or)?d|passwd|pwd|passphrase)
      # ...or the hash is made inside a function whose name says it handles passwords
      - patterns:
          - pattern-inside: |
              function $FN(...) {
                ...
              }
          - metavariable-regex:
              metavariable: $FN
              regex: (?i).*(passw(or)?d|passwd|pwd|passphrase)
          - pattern-either:
              - pattern: $CRYPTO.createHash("$ALG")
              - pattern: createHash("$ALG")
          - metavariable-regex:
              metavariable: $ALG
              regex: |-
                ^[\`'"]?(?i:md4|md5|sha1|sha-1|ripemd160|rmd160)[\`'"]?$
  # ---------------------------------------------------------------- Python
  - id: py-eval-dynamic
    languages: [python]
    severity: ERROR
    message: "Code is evaluated from a string that is not a literal (eval, exec or compile), so whoever shapes that string can run arbitrary code."
    metadata:
      cwe:
        - "CWE-95: Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')"
      agentgate-severity: critical
      fix: "Do not evaluate strings as code; parse data with json.loads or ast.literal_eval and dispatch to known functions instead."
    patterns:
      - pattern-either:
          - pattern: eval($CODE, ...)
          - pattern: exec($CODE, ...)
          # compile(source, filename, mode); a bare compile with fewer arguments is py_compile's
          - pattern: compile($CODE, $FILENAME, "=~/^(exec|eval|single)$/", ...)
          - pattern: compile($CODE, ..., mode=$MODE, ...)
      - pattern-not: eval("...", ...)
      - pattern-not: exec("...", ...)
      - pattern-not: compile("...", ...)
  - id: py-jwt-hardcoded-secret
    languages: [python]
    severity: ERROR
    message: "A JWT is signed or verified with a key written in the source, so anyone who can read the code can mint valid tokens."
    metadata:
      cwe:
        - "CWE-798: Use of Hard-coded Credentials"
      agentgate-severity: high
      fix: "Read the signing key from the environment or a secret manager (e.g. os.environ[\\"JWT_SECRET\\"]) and fail at startup when it is missing."
    pattern-either:
      - pattern: jwt.encode($PAYLOAD, "...", ...)
      - pattern: jwt.decode($TOKEN, "...", ...)
      - pattern: jwt.encode(..., key="...", ...)
      - pattern: jwt.decode(..., key="...", ...)
      - pattern: jwt.encode($PAYLOAD, os.environ.get($NAME, "..."), ...)
      - pattern: jwt.encode($PAYLOAD, os.getenv($NAME, "..."), ...)
      - pattern: jwt.encode($PAYLOAD, $ENV or "...", ...)
      - pattern: jwt.decode($TOKEN, os.environ.get($NAME, "..."), ...)
      - pattern: jwt.decode($TOKEN, os.getenv($NAME, "..."), ...)
      - pattern: jwt.decode($TOKEN, $ENV or "...", ...)
      - patterns:
          - pattern-either:
              - pattern: $CONFIG["$KEY"] = "..."
              - pattern: $KEY = "..."
          - metavariable-regex:
              metavariable: $KEY
              regex: |-
                (?i)^['"]?jwt_?secret(_?key)?['"]?$
  - id: py-os-system
    languages: [python]
    severity: ERROR
    message: "A command that is not a literal is run through the shell (os.system, os.popen or a shell helper), so a value containing shell syntax can run other commands."
    metadata:
      cwe:
        - "CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"
      agentgate-severity: critical
      fix: "Use subprocess.run with an argument list and without shell=True, and validate the values you pass."
    patterns:
      - pattern-either:
          - pattern: os.system(...)
          - pattern: os.popen(...)
          - pattern: os.popen2(...)
          - pattern: os.popen3(...)
          - pattern: os.popen4(...)
          - pattern: subprocess.getoutput(...)
          - pattern: subprocess.getstatusoutput(...)
          - pattern: commands.getoutput(...)
          - pattern: commands.getstatusoutput(...)
          - pattern: asyncio.create_subprocess_shell(...)
      - pattern-not: os.$FUNC("...", ...)
      - pattern-not: subprocess.$FUNC("...", ...)
      - pattern-not: commands.$FUNC("...", ...)
      - pattern-not: asyncio.create_subprocess_shell("...", ...)
  - id: py-pickle-load
    languages: [python]
    severity: ERROR
    message: "Data is deserialized with pickle (or a pickle-based loader), which runs arbitrary code when the data comes from anyone else."
    metadata:
      cwe:
        - "CWE-502: Deserialization of Untrusted Data"
      agentgate-severity: high
      fix: "Exchange data as JSON or another data-only format; unpickle only files your own process wrote and nobody else can modify."
    pattern-either:
      - pattern: pickle.load(...)
      - pattern: pickle.loads(...)
      - pattern: pickle.Unpickler(...)
      - pattern: cPickle.load(...)
      - pattern: cPickle.loads(...)
      - pattern: _pickle.load(...)
      - pattern: _pickle.loads(...)
      - pattern: dill.load(...)
      - pattern: dill.loads(...)
      - pattern: cloudpickle.load(...)
      - pattern: cloudpickle.loads(...)
      - pattern: marshal.load(...)
      - pattern: marshal.loads(...)
      - pattern: jsonpickle.decode(...)
      - pattern: pandas.read_pickle(...)
      - pattern: joblib.load(...)
  - id: py-sql-string-concat
    languages: [python]
    severity: ERROR
    message: "A SQL statement is built with an f-string, +, % or .format(), so a value containing quotes or SQL can change the query."
    metadata:
      cwe:
        - "CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"
      agentgate-severity: high
      fix: "Pass values as query parameters, e.g. cursor.execute(\\"SELECT * FROM t WHERE id = %s\\", (id,)), never by string building."
    pattern-either:
      # a built string passed to a call that runs SQL text
      - patterns:
          - pattern-either:
              - pattern: $DB.$METHOD(f"...{...}...", ...)
              - pattern: $DB.$METHOD("..." % ..., ...)
              - pattern: $DB.$METHOD("...".format(...), ...)
              - pattern: $DB.$METHOD("..." + $X, ...)
              - pattern: $DB.$METHOD($X + "...", ...)
          - pattern-not: $DB.$METHOD("...", ...)
          - metavariable-regex:
              metavariable: $METHOD
              regex: ^(execute|executemany|executescript|mogrify|raw|read_sql|read_sql_query)$
      - pattern: sqlalchemy.text(f"...{...}...")
      - pattern: sqlalchemy.text("..." % ...)
      - pattern: sqlalchemy.text("...".format(...))
      # SQL-shaped text built anywhere
      - patterns:
          - pattern-either:
              - pattern: '"$SQL" % $X'
              - pattern: '"$SQL".format(...)'
          - metavariable-regex:
              metavariable: $SQL
              regex: |-
                ^[rRbBuUfF]{0,2}['"]*\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)
      - patterns:
          - pattern: '"$SQL" + $X'
          - metavariable-regex:
              metavariable: $SQL
              regex: |-
                ^[rRbBuUfF]{0,2}['"]*\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)
          - metavariable-regex:
              metavariable: $X
              regex: |-
                ^(?![rRbBuU]?["'])
      - pattern-regex: |-
          \\b[fF][rR]?['"]{1,3}\\s*(SELECT|select|INSERT\\s+INTO|insert\\s+into|UPDATE|update|DELETE\\s+FROM|delete\\s+from)\\s[^\\n]*\\{[^{]
      # a built string stored in a variable named like SQL
      - patterns:
          - pattern-either:
              - pattern: $NAME = f"...{...}..."
              - pattern: $NAME = "..." % ...
              - pattern: $NAME = "...".format(...)
              - pattern: $NAME = "..." + $X
              - pattern: $NAME += f"...{...}..."
              - pattern: $NAME += "..." % ...
              - pattern: $NAME += "...".format(...)
              - pattern: $NAME += "..." + $X
              - pattern: $NAME += $X + "..."
          - metavariable-regex:
              metavariable: $NAME
              regex: ^(.*\\.)?((sql|SQL|stmt|STMT)(_\\w*)?|\\w*_(sql|SQL|stmt|STMT)(_\\w*)?)$
  - id: py-subprocess-shell-true
    languages: [python]
    severity: ERROR
    message: "A subprocess runs a command through the shell (shell=True) and the command is not a literal, so a value containing shell syntax can run other commands."
    metadata:
      cwe:
        - "CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"
      agentgate-severity: critical
      fix: "Pass the command as a list without shell=True, e.g. subprocess.run([\\"git\\", \\"checkout\\", branch]), and validate the values you pass."
    patterns:
      - pattern: subprocess.$FUNC(..., shell=True, ...)
      - metavariable-regex:
          metavariable: $FUNC
          regex: ^(run|call|check_call|check_output|Popen)$
      - pattern-not: subprocess.$FUNC("...", ..., shell=True, ...)
  - id: py-tls-verify-disabled
    languages: [python]
    severity: ERROR
    message: "TLS certificate verification is turned off, so anyone on the network path can impersonate the server and read or change the traffic."
    metadata:
      cwe:
        - "CWE-295: Improper Certificate Validation"
      agentgate-severity: high
      fix: "Keep verification on; to trust a private CA, pass its bundle with verify=\\"/path/to/ca.pem\\" or load it into an ssl.SSLContext."
    pattern-either:
      - pattern: $FUNC(..., verify=False, ...)
      - pattern: $FUNC(..., cert_reqs=ssl.CERT_NONE, ...)
      - pattern: $FUNC(..., cert_reqs="CERT_NONE", ...)
      - pattern: ssl._create_unverified_context
      - pattern: $CTX.check_hostname = False
      - pattern: $CTX.verify_mode = ssl.CERT_NONE
  - id: py-weak-hash-password
    languages: [python]
    severity: ERROR
    message: "A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours."
    metadata:
      cwe:
        - "CWE-916: Use of Password Hash With Insufficient Computational Effort"
      agentgate-severity: high
      fix: "Hash passwords with a slow, salted algorithm such as argon2 or bcrypt, or hashlib.scrypt."
    pattern-either:
      - patterns:
          - pattern-either:
              - pattern: hashlib.md5($DATA, ...)
              - pattern: hashlib.sha1($DATA, ...)
              - patterns:
                  - pattern: hashlib.new("$ALG", $DATA, ...)
                  - metavariable-regex:
                      metavariable: $ALG
                      regex: |-
                        ^[rbuRBU]?["']?(?i:md4|md5|sha1|sha-1)["']?$
          - metavariable-regex:
              metavariable: $DATA
              regex: (?i).*(passw(or)?d|passwd|pwd|passphrase)
      - patterns:
          - pattern-inside: |
              def $FN(...):
                  ...
          - metavariable-regex:
              metavariable: $FN
              regex: (?i).*(passw(or)?d|passwd|pwd|passphrase)
          - pattern-either:
              - pattern: hashlib.md5(...)
              - pattern: hashlib.sha1(...)
              - patterns:
                  - pattern: hashlib.new("$ALG", ...)
                  - metavariable-regex:
                      metavariable: $ALG
                      regex: |-
                        ^[rbuRBU]?["']?(?i:md4|md5|sha1|sha-1)["']?$
  - id: py-yaml-unsafe-load
    languages: [python]
    severity: ERROR
    message: "YAML is loaded without a safe Loader, so a document can construct arbitrary Python objects and run code."
    metadata:
      cwe:
        - "CWE-502: Deserialization of Untrusted Data"
      agentgate-severity: high
      fix: "Use yaml.safe_load(data), or yaml.load(data, Loader=yaml.SafeLoader)."
    pattern-either:
      - pattern: yaml.unsafe_load(...)
      - pattern: yaml.unsafe_load_all(...)
      - pattern: yaml.full_load(...)
      - pattern: yaml.full_load_all(...)
      - patterns:
          - pattern-either:
              - pattern: yaml.load(...)
              - pattern: yaml.load_all(...)
          - pattern-not: yaml.$LOAD(..., Loader=$LOADER, ...)
          - pattern-not: yaml.$LOAD($DATA, $LOADER)
      - patterns:
          - pattern-either:
              - pattern: yaml.load(..., Loader=$LOADER, ...)
              - pattern: yaml.load_all(..., Loader=$LOADER, ...)
              - pattern: yaml.load($DATA, $LOADER)
              - pattern: yaml.load_all($DATA, $LOADER)
          - metavariable-regex:
              metavariable: $LOADER
              regex: ^(?!(yaml\\.)?(C?SafeLoader|C?BaseLoader)$)
  # ---------------------------------------------------------------- Go
  - id: go-exec-sh-concat
    languages: [go]
    severity: ERROR
    message: "exec.Command runs a shell (sh -c) on a command built by concatenation or fmt.Sprintf, so a value containing shell syntax can run other commands."
    metadata:
      cwe:
        - "CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"
      agentgate-severity: critical
      fix: "Call the program directly with separate arguments, e.g. exec.Command(\\"git\\", \\"checkout\\", branch), and validate the values you pass."
    patterns:
      - pattern-either:
          - pattern: exec.Command("=~/^\\S*\\b(ba|da|k|z)?sh$/", "-c", $CMD, ...)
          - pattern: exec.CommandContext($CTX, "=~/^\\S*\\b(ba|da|k|z)?sh$/", "-c", $CMD, ...)
      - metavariable-pattern:
          metavariable: $CMD
          pattern-either:
            - pattern: fmt.Sprintf(...)
            - pattern: $A + $B
      - pattern-not: exec.Command("...", "...", "...", ...)
      - pattern-not: exec.CommandContext($CTX, "...", "...", "...", ...)
  - id: go-jwt-hardcoded-secret
    languages: [go]
    severity: ERROR
    message: "A JWT is signed or verified with a key written in the source, so anyone who can read the code can mint valid tokens."
    metadata:
      cwe:
        - "CWE-798: Use of Hard-coded Credentials"
      agentgate-severity: high
      fix: "Read the signing key from the environment or a secret manager (e.g. os.Getenv(\\"JWT_SECRET\\")) and refuse to start when it is empty."
    pattern-either:
      - pattern: $TOKEN.SignedString([]byte("..."))
      - patterns:
          - pattern-either:
              - pattern: var $KEY = []byte("...")
              - pattern: $KEY := []byte("...")
              - pattern: $KEY = []byte("...")
          - metavariable-regex:
              metavariable: $KEY
              regex: (?i)^.*(jwt|signing_?key|hmac_?(key|secret))
      - patterns:
          - pattern-either:
              - pattern-inside: jwt.Parse(...)
              - pattern-inside: jwt.ParseWithClaims(...)
          - pattern: return []byte("..."), nil
  - id: go-sql-string-concat
    languages: [go]
    severity: ERROR
    message: "A SQL statement is built by concatenation or fmt.Sprintf, so a value containing quotes or SQL can change the query."
    metadata:
      cwe:
        - "CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"
      agentgate-severity: high
      fix: "Pass values as query arguments with placeholders, e.g. db.Query(\\"SELECT * FROM t WHERE id = $1\\", id), never by string building."
    pattern-either:
      # a built string passed to a database/sql, sqlx, pgx or gorm call that runs SQL text
      - patterns:
          - pattern-either:
              - pattern: $DB.$METHOD(..., fmt.Sprintf(...), ...)
              - pattern: $DB.$METHOD(..., "..." + $X, ...)
              - pattern: $DB.$METHOD(..., $X + "...", ...)
          - metavariable-regex:
              metavariable: $METHOD
              regex: ^(Query|QueryRow|QueryContext|QueryRowContext|Exec|ExecContext|Prepare|PrepareContext|Queryx|QueryRowx|QueryxContext|QueryRowxContext|MustExec|NamedExec|NamedQuery|Raw)$
          - pattern-not: $DB.$METHOD("...", ...)
          - pattern-not: $DB.$METHOD($CTX, "...", ...)
      # SQL-shaped text built anywhere
      - patterns:
          - pattern: fmt.Sprintf("$SQL", ...)
          - metavariable-regex:
              metavariable: $SQL
              regex: |-
                ^[\`"]?\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)
      - patterns:
          - pattern: '"$SQL" + $X'
          - metavariable-regex:
              metavariable: $SQL
              regex: |-
                ^[\`"]?\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)
          - metavariable-regex:
              metavariable: $X
              regex: |-
                ^[^\`"]
  - id: go-tls-insecure-skip-verify
    languages: [go]
    severity: ERROR
    message: "tls.Config sets InsecureSkipVerify to true, so any certificate is accepted and anyone on the network path can impersonate the server."
    metadata:
      cwe:
        - "CWE-295: Improper Certificate Validation"
      agentgate-severity: high
      fix: "Remove InsecureSkipVerify; to trust a private CA, add its certificate to a x509.CertPool and set it as RootCAs."
    pattern-either:
      - patterns:
          - pattern-inside: tls.Config{...}
          - pattern: 'InsecureSkipVerify: true'
      - pattern: $CFG.InsecureSkipVerify = true
  - id: go-weak-hash-password
    languages: [go]
    severity: ERROR
    message: "A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours."
    metadata:
      cwe:
        - "CWE-916: Use of Password Hash With Insufficient Computational Effort"
      agentgate-severity: high
      fix: "Hash passwords with golang.org/x/crypto/bcrypt or argon2 (bcrypt.GenerateFromPassword, argon2.IDKey)."
    pattern-either:
      - patterns:
          - pattern-either:
              - pattern: md5.Sum($DATA)
              - pattern: sha1.Sum($DATA)
          - metavariable-regex:
              metavariable: $DATA
              regex: (?i).*(passw(or)?d|passwd|pwd|passphrase)
      - patterns:
          - pattern-either:
              - pattern-inside: |
                  $HASH := md5.New()
                  ...
              - pattern-inside: |
                  $HASH := sha1.New()
                  ...
          - pattern-either:
              - pattern: $HASH.Write($DATA)
              - pattern: io.WriteString($HASH, $DATA)
          - metavariable-regex:
              metavariable: $DATA
              regex: (?i).*(passw(or)?d|passwd|pwd|passphrase)
`},AST_GREP_RULES_JSON=`[{"file":"ast-grep/rules/go-exec-sh-concat.yml","id":"go-exec-sh-concat","language":"go","severity":"error","message":"exec.Command runs a shell (sh -c) on a command built by concatenation or fmt.Sprintf, so a value containing shell syntax can run other commands.","note":"Call the program directly with separate arguments, e.g. exec.Command(\\"git\\", \\"checkout\\", branch), and validate the values you pass.","metadata":{"cwe":"CWE-78","cweName":"Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')","agentgateSeverity":"critical","fix":"Call the program directly with separate arguments, e.g. exec.Command(\\"git\\", \\"checkout\\", branch), and validate the values you pass."},"utils":{"literal":{"any":[{"kind":"interpreted_string_literal"},{"kind":"raw_string_literal"},{"kind":"int_literal"}]},"built-string":{"any":[{"kind":"call_expression","has":{"field":"function","regex":"^fmt\\\\.Sprintf$"}},{"kind":"binary_expression","all":[{"has":{"field":"operator","regex":"^\\\\+$"}},{"has":{"stopBy":"end","all":[{"any":[{"inside":{"kind":"binary_expression","field":"left"}},{"inside":{"kind":"binary_expression","field":"right"}}]},{"not":{"matches":"literal"}},{"not":{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}},{"not":{"kind":"parenthesized_expression"}}]}}]}]},"shell":{"regex":"^[\\"\`](/usr)?(/bin/)?(ba|da|k|z)?sh[\\"\`]$"},"dash-c":{"regex":"^[\\"\`]-c[\\"\`]$"}},"rule":{"kind":"call_expression","any":[{"all":[{"has":{"field":"function","regex":"^exec\\\\.Command$"}},{"has":{"field":"arguments","all":[{"has":{"nthChild":1,"matches":"shell"}},{"has":{"nthChild":2,"matches":"dash-c"}},{"has":{"nthChild":3,"matches":"built-string"}}]}}]},{"all":[{"has":{"field":"function","regex":"^exec\\\\.CommandContext$"}},{"has":{"field":"arguments","all":[{"has":{"nthChild":2,"matches":"shell"}},{"has":{"nthChild":3,"matches":"dash-c"}},{"has":{"nthChild":4,"matches":"built-string"}}]}}]}]}},{"file":"ast-grep/rules/go-jwt-hardcoded-secret.yml","id":"go-jwt-hardcoded-secret","language":"go","severity":"error","message":"A JWT is signed or verified with a key written in the source, so anyone who can read the code can mint valid tokens.","note":"Read the signing key from the environment or a secret manager (e.g. os.Getenv(\\"JWT_SECRET\\")) and refuse to start when it is empty.","metadata":{"cwe":"CWE-798","cweName":"Use of Hard-coded Credentials","agentgateSeverity":"high","fix":"Read the signing key from the environment or a secret manager (e.g. os.Getenv(\\"JWT_SECRET\\")) and refuse to start when it is empty."},"utils":{"literal-key":{"any":[{"kind":"type_conversion_expression"},{"kind":"call_expression"}],"regex":"^\\\\[\\\\]byte\\\\(\\\\s*(\\"([^\\"\\\\\\\\]|\\\\\\\\.)*\\"|\`[^\`]*\`)\\\\s*\\\\)$"}},"rule":{"any":[{"kind":"call_expression","all":[{"has":{"field":"function","regex":"\\\\.SignedString$"}},{"has":{"field":"arguments","has":{"nthChild":1,"matches":"literal-key"}}}]},{"matches":"literal-key","inside":{"kind":"expression_list","inside":{"any":[{"kind":"var_spec"},{"kind":"short_var_declaration"},{"kind":"const_spec"},{"kind":"assignment_statement"}],"has":{"field":"left","regex":"(?i)(jwt|signing_?key|hmac_?(key|secret))"}}}},{"matches":"literal-key","inside":{"kind":"expression_list","inside":{"kind":"var_spec","has":{"field":"name","regex":"(?i)(jwt|signing_?key|hmac_?(key|secret))"}}}},{"matches":"literal-key","inside":{"kind":"expression_list","inside":{"kind":"return_statement","inside":{"stopBy":"end","kind":"call_expression","has":{"field":"function","regex":"(^|\\\\.)(jwt\\\\.)?(Parse|ParseWithClaims)$"}}}}}]}},{"file":"ast-grep/rules/go-sql-string-concat.yml","id":"go-sql-string-concat","language":"go","severity":"error","message":"A SQL statement is built by concatenation or fmt.Sprintf, so a value containing quotes or SQL can change the query.","note":"Pass values as query arguments with placeholders, e.g. db.Query(\\"SELECT * FROM t WHERE id = $1\\", id), never by string building.","metadata":{"cwe":"CWE-89","cweName":"Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')","agentgateSeverity":"high","fix":"Pass values as query arguments with placeholders, e.g. db.Query(\\"SELECT * FROM t WHERE id = $1\\", id), never by string building."},"utils":{"literal":{"any":[{"kind":"interpreted_string_literal"},{"kind":"raw_string_literal"},{"kind":"int_literal"}]},"built-string":{"any":[{"kind":"call_expression","has":{"field":"function","regex":"^fmt\\\\.Sprintf$"}},{"kind":"binary_expression","all":[{"has":{"field":"operator","regex":"^\\\\+$"}},{"has":{"stopBy":"end","all":[{"any":[{"inside":{"kind":"binary_expression","field":"left"}},{"inside":{"kind":"binary_expression","field":"right"}}]},{"not":{"matches":"literal"}},{"not":{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}},{"not":{"kind":"parenthesized_expression"}}]}}]}]},"plus":{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}},"sql-text":{"regex":"^(fmt\\\\.Sprintf\\\\(\\\\s*)?[\\"\`]\\\\s*(SELECT\\\\s[\\\\s\\\\S]*\\\\sFROM\\\\s|select\\\\s[\\\\s\\\\S]*\\\\sfrom\\\\s|INSERT\\\\s+(IGNORE\\\\s+)?INTO\\\\s|insert\\\\s+(ignore\\\\s+)?into\\\\s|UPDATE\\\\s+\\\\S+\\\\s+SET\\\\s|update\\\\s+\\\\S+\\\\s+set\\\\s|DELETE\\\\s+FROM\\\\s|delete\\\\s+from\\\\s|REPLACE\\\\s+INTO\\\\s|replace\\\\s+into\\\\s|MERGE\\\\s+INTO\\\\s|merge\\\\s+into\\\\s)"},"query-argument":{"inside":{"kind":"argument_list","inside":{"kind":"call_expression","has":{"field":"function","kind":"selector_expression","has":{"field":"field","regex":"^(Query|QueryRow|QueryContext|QueryRowContext|Exec|ExecContext|Prepare|PrepareContext|Queryx|QueryRowx|QueryxContext|QueryRowxContext|MustExec|NamedExec|NamedQuery|Raw)$"}}}}}},"rule":{"matches":"built-string","not":{"any":[{"inside":{"matches":"plus"}},{"inside":{"kind":"parenthesized_expression","inside":{"matches":"plus"}}}]},"any":[{"matches":"sql-text"},{"matches":"query-argument"}]}},{"file":"ast-grep/rules/go-tls-insecure-skip-verify.yml","id":"go-tls-insecure-skip-verify","language":"go","severity":"error","message":"tls.Config sets InsecureSkipVerify to true, so any certificate is accepted and anyone on the network path can impersonate the server.","note":"Remove InsecureSkipVerify; to trust a private CA, add its certificate to a x509.CertPool and set it as RootCAs.","metadata":{"cwe":"CWE-295","cweName":"Improper Certificate Validation","agentgateSeverity":"high","fix":"Remove InsecureSkipVerify; to trust a private CA, add its certificate to a x509.CertPool and set it as RootCAs."},"rule":{"any":[{"kind":"keyed_element","all":[{"has":{"field":"key","regex":"^InsecureSkipVerify$"}},{"has":{"field":"value","regex":"^true$"}}]},{"kind":"assignment_statement","all":[{"has":{"field":"left","regex":"\\\\.InsecureSkipVerify$"}},{"has":{"field":"right","regex":"^true$"}}]}]}},{"file":"ast-grep/rules/go-weak-hash-password.yml","id":"go-weak-hash-password","language":"go","severity":"error","message":"A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours.","note":"Hash passwords with golang.org/x/crypto/bcrypt or argon2 (bcrypt.GenerateFromPassword, argon2.IDKey).","metadata":{"cwe":"CWE-916","cweName":"Use of Password Hash With Insufficient Computational Effort","agentgateSeverity":"high","fix":"Hash passwords with golang.org/x/crypto/bcrypt or argon2 (bcrypt.GenerateFromPassword, argon2.IDKey)."},"utils":{"password-ish":{"regex":"(?i)(passw(or)?d|passwd|pwd|passphrase)"}},"rule":{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^(md5|sha1)\\\\.(Sum|New)$"}},{"any":[{"has":{"field":"arguments","matches":"password-ish"}},{"inside":{"stopBy":"end","any":[{"kind":"function_declaration","has":{"field":"name","matches":"password-ish"}},{"kind":"method_declaration","has":{"field":"name","matches":"password-ish"}}]}}]}]}},{"file":"ast-grep/rules/js-child-process-exec-interpolated.yml","id":"js-child-process-exec-interpolated","language":"tsx","severity":"error","message":"A shell command is built from interpolated or concatenated strings, so a value containing shell syntax can run other commands.","note":"Run the program without a shell, with execFile or spawn and an argument array, and validate the values you pass.","metadata":{"cwe":"CWE-78","cweName":"Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')","agentgateSeverity":"critical","fix":"Run the program without a shell, with execFile or spawn and an argument array, and validate the values you pass."},"utils":{"literal":{"any":[{"kind":"string"},{"kind":"number"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}}]},"built-string":{"any":[{"kind":"template_string","has":{"kind":"template_substitution"},"not":{"inside":{"kind":"call_expression"}}},{"kind":"binary_expression","all":[{"has":{"field":"operator","regex":"^\\\\+$"}},{"has":{"stopBy":"end","all":[{"any":[{"inside":{"kind":"binary_expression","field":"left"}},{"inside":{"kind":"binary_expression","field":"right"}}]},{"not":{"matches":"literal"}},{"not":{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}},{"not":{"kind":"parenthesized_expression"}}]}}]}]},"built-first-argument":{"has":{"field":"arguments","has":{"nthChild":1,"matches":"built-string"}}}},"rule":{"kind":"call_expression","any":[{"all":[{"has":{"field":"function","any":[{"kind":"identifier","regex":"^(exec|execSync|execAsync|execPromise|execP|execPromised|execaCommand|execaCommandSync)$"},{"kind":"member_expression","all":[{"has":{"field":"property","regex":"^(exec|execSync)$"}},{"has":{"field":"object","regex":"(?i)(child_?process|^cp$|^proc$|^shell(js)?$)"}}]},{"kind":"call_expression","regex":"^(util\\\\.)?promisify\\\\(([\\\\w.]+\\\\.)?exec\\\\)$"}]}},{"matches":"built-first-argument"}]},{"all":[{"has":{"field":"function","regex":"(^|\\\\.)(spawn|spawnSync|execFile|execFileSync)$"}},{"matches":"built-first-argument"},{"has":{"field":"arguments","has":{"kind":"object","has":{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?shell['\\"]?$"}},{"has":{"field":"value","kind":"true"}}]}}}}]},{"all":[{"has":{"field":"function","regex":"(^|\\\\.)(spawn|spawnSync|execFile|execFileSync)$"}},{"has":{"field":"arguments","all":[{"has":{"nthChild":1,"regex":"^['\\"\`](/usr)?(/bin/)?(ba|da|k|z)?sh['\\"\`]$"}},{"has":{"nthChild":2,"kind":"array","all":[{"has":{"regex":"^['\\"\`]-c['\\"\`]$"}},{"has":{"matches":"built-string"}}]}}]}}]}]}},{"file":"ast-grep/rules/js-dom-html-injection.yml","id":"js-dom-html-injection","language":"tsx","severity":"error","message":"HTML that is not a literal is written into the page (innerHTML, outerHTML, insertAdjacentHTML or document.write), so any markup or script it carries runs in the page.","note":"Set textContent or build elements with createElement, or pass the markup through a sanitizer such as DOMPurify.sanitize first.","metadata":{"cwe":"CWE-79","cweName":"Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')","agentgateSeverity":"high","fix":"Set textContent or build elements with createElement, or pass the markup through a sanitizer such as DOMPurify.sanitize first."},"utils":{"sanitized":{"kind":"call_expression","has":{"field":"function","regex":"(?i)(sanitize|purify|escape|encodeHtml|htmlEncode)"}},"safe-html":{"any":[{"kind":"string"},{"kind":"number"},{"kind":"null"},{"kind":"undefined"},{"matches":"sanitized"},{"kind":"template_string","not":{"has":{"kind":"template_substitution","not":{"has":{"matches":"sanitized"}}}}}]}},"rule":{"any":[{"any":[{"kind":"assignment_expression"},{"kind":"augmented_assignment_expression"}],"all":[{"has":{"field":"left","kind":"member_expression","has":{"field":"property","regex":"^(innerHTML|outerHTML)$"}}},{"has":{"field":"right","not":{"matches":"safe-html"}}}]},{"kind":"call_expression","all":[{"has":{"field":"function","kind":"member_expression","has":{"field":"property","regex":"^insertAdjacentHTML$"}}},{"has":{"field":"arguments","has":{"nthChild":2,"not":{"matches":"safe-html"}}}}]},{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((window|globalThis)\\\\.)?document\\\\.(write|writeln)$"}},{"has":{"field":"arguments","has":{"nthChild":1,"not":{"matches":"safe-html"}}}}]}]}},{"file":"ast-grep/rules/js-eval-dynamic.yml","id":"js-eval-dynamic","language":"tsx","severity":"error","message":"Code is evaluated from a string that is not a literal, so whoever shapes that string can run arbitrary code.","note":"Do not evaluate strings as code; parse data with JSON.parse and dispatch to known functions instead.","metadata":{"cwe":"CWE-95","cweName":"Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')","agentgateSeverity":"critical","fix":"Do not evaluate strings as code; parse data with JSON.parse and dispatch to known functions instead."},"utils":{"literal":{"any":[{"kind":"string"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}}]},"built-string":{"any":[{"kind":"template_string","has":{"kind":"template_substitution"}},{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}]},"dynamic-body":{"has":{"field":"arguments","has":{"nthChild":{"position":1,"reverse":true},"not":{"matches":"literal"}}}}},"rule":{"any":[{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((window|globalThis|global|self)\\\\.)?eval$"}},{"has":{"field":"arguments","has":{"nthChild":1,"not":{"matches":"literal"}}}}]},{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((window|globalThis|global|self)\\\\.)?Function$"}},{"matches":"dynamic-body"}]},{"kind":"new_expression","all":[{"has":{"field":"constructor","regex":"^((window|globalThis|global|self)\\\\.)?Function$"}},{"matches":"dynamic-body"}]},{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((window|globalThis|global|self)\\\\.)?(setTimeout|setInterval)$"}},{"has":{"field":"arguments","has":{"nthChild":1,"matches":"built-string"}}}]}]}},{"file":"ast-grep/rules/js-jwt-hardcoded-secret.yml","id":"js-jwt-hardcoded-secret","language":"tsx","severity":"error","message":"A JWT is signed or verified with a secret written in the source, so anyone who can read the code can mint valid tokens.","note":"Load the signing secret from the environment or a secret manager (e.g. process.env.JWT_SECRET) and fail at startup when it is missing.","metadata":{"cwe":"CWE-798","cweName":"Use of Hard-coded Credentials","agentgateSeverity":"high","fix":"Load the signing secret from the environment or a secret manager (e.g. process.env.JWT_SECRET) and fail at startup when it is missing."},"utils":{"literal":{"any":[{"kind":"string"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}}]},"hardcoded":{"any":[{"matches":"literal"},{"kind":"binary_expression","all":[{"has":{"field":"operator","regex":"^(\\\\|\\\\||\\\\?\\\\?)$"}},{"has":{"field":"right","matches":"literal"}}]}]}},"rule":{"any":[{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((jwt|JWT|jsonwebtoken|jsonWebToken)\\\\.)?(sign|verify)$"}},{"has":{"field":"arguments","has":{"nthChild":2,"matches":"hardcoded"}}}]},{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?(secretOrKey|secretOrPrivateKey|secretOrPublicKey)['\\"]?$"}},{"has":{"field":"value","matches":"hardcoded"}}]},{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?secret['\\"]?$"}},{"has":{"field":"value","matches":"hardcoded"}},{"inside":{"stopBy":"end","kind":"call_expression","has":{"field":"function","regex":"(?i)jwt"}}}]}]}},{"file":"ast-grep/rules/js-react-dangerously-set-inner-html.yml","id":"js-react-dangerously-set-inner-html","language":"tsx","severity":"error","message":"dangerouslySetInnerHTML is given HTML that is not a literal, so any markup or script it carries is rendered as is.","note":"Render the value as text through JSX, or sanitize it first, e.g. { __html: DOMPurify.sanitize(html) }.","metadata":{"cwe":"CWE-79","cweName":"Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')","agentgateSeverity":"high","fix":"Render the value as text through JSX, or sanitize it first, e.g. { __html: DOMPurify.sanitize(html) }."},"utils":{"sanitized":{"kind":"call_expression","has":{"field":"function","regex":"(?i)(sanitize|purify|escape|encodeHtml|htmlEncode)"}},"safe-html":{"any":[{"kind":"string"},{"kind":"template_string","not":{"has":{"kind":"template_substitution","not":{"has":{"matches":"sanitized"}}}}},{"matches":"sanitized"}]},"safe-object":{"kind":"object","has":{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?__html['\\"]?$"}},{"has":{"field":"value","matches":"safe-html"}}]}}},"rule":{"any":[{"kind":"jsx_attribute","all":[{"has":{"kind":"property_identifier","regex":"^dangerouslySetInnerHTML$"}},{"not":{"has":{"kind":"jsx_expression","has":{"matches":"safe-object"}}}}]},{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?dangerouslySetInnerHTML['\\"]?$"}},{"not":{"has":{"field":"value","matches":"safe-object"}}}]}]}},{"file":"ast-grep/rules/js-sql-string-concat.yml","id":"js-sql-string-concat","language":"tsx","severity":"error","message":"A SQL statement is built by concatenation or template interpolation, so a value containing quotes or SQL can change the query.","note":"Pass values as bind parameters (query('... WHERE id = $1', [id])) or use a tagged sql template, never by string building.","metadata":{"cwe":"CWE-89","cweName":"Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')","agentgateSeverity":"high","fix":"Pass values as bind parameters (query('... WHERE id = $1', [id])) or use a tagged sql template, never by string building."},"utils":{"literal":{"any":[{"kind":"string"},{"kind":"number"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}}]},"built-string":{"any":[{"kind":"template_string","has":{"kind":"template_substitution"},"not":{"inside":{"kind":"call_expression"}}},{"kind":"binary_expression","all":[{"has":{"field":"operator","regex":"^\\\\+$"}},{"has":{"stopBy":"end","all":[{"any":[{"inside":{"kind":"binary_expression","field":"left"}},{"inside":{"kind":"binary_expression","field":"right"}}]},{"not":{"matches":"literal"}},{"not":{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}},{"not":{"kind":"parenthesized_expression"}}]}}]}]},"plus":{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}},"sql-text":{"regex":"^['\\"\`]\\\\s*(SELECT\\\\s[\\\\s\\\\S]*\\\\sFROM\\\\s|select\\\\s[\\\\s\\\\S]*\\\\sfrom\\\\s|INSERT\\\\s+(IGNORE\\\\s+)?INTO\\\\s|insert\\\\s+(ignore\\\\s+)?into\\\\s|UPDATE\\\\s+\\\\S+\\\\s+SET\\\\s|update\\\\s+\\\\S+\\\\s+set\\\\s|DELETE\\\\s+FROM\\\\s|delete\\\\s+from\\\\s|REPLACE\\\\s+INTO\\\\s|replace\\\\s+into\\\\s|MERGE\\\\s+INTO\\\\s|merge\\\\s+into\\\\s)"},"query-argument":{"nthChild":1,"inside":{"kind":"arguments","inside":{"kind":"call_expression","has":{"field":"function","kind":"member_expression","any":[{"has":{"field":"property","regex":"^(query|\\\\$queryRawUnsafe|\\\\$executeRawUnsafe|whereRaw|orWhereRaw|havingRaw|orHavingRaw|orderByRaw|groupByRaw|joinRaw|fromRaw|selectRaw)$"}},{"all":[{"has":{"field":"property","regex":"^(execute|raw|unsafe|literal)$"}},{"has":{"field":"object","regex":"(?i)(^|\\\\.|_)(db|database|knex|sql|sequelize|pool|conn|connection|client|trx|tx|prisma|pg|mysql|sqlite|postgres)$"}}]}]}}}},"sql-name":{"regex":"^(sql|SQL|stmt)([A-Z_0-9]\\\\w*)?$|^\\\\w*[a-z0-9](Sql|SQL|Stmt)([A-Z_0-9]\\\\w*)?$|^\\\\w*_(sql|SQL|stmt)(_\\\\w*)?$"}},"rule":{"all":[{"any":[{"kind":"template_string"},{"kind":"binary_expression"}]},{"matches":"built-string"},{"not":{"any":[{"inside":{"matches":"plus"}},{"inside":{"kind":"parenthesized_expression","inside":{"matches":"plus"}}}]}},{"any":[{"matches":"sql-text"},{"matches":"query-argument"},{"inside":{"kind":"variable_declarator","has":{"field":"name","matches":"sql-name"}}},{"inside":{"any":[{"kind":"assignment_expression"},{"kind":"augmented_assignment_expression"}],"has":{"field":"left","any":[{"matches":"sql-name"},{"kind":"member_expression","has":{"field":"property","matches":"sql-name"}}]}}}]}]}},{"file":"ast-grep/rules/js-tls-verify-disabled.yml","id":"js-tls-verify-disabled","language":"tsx","severity":"error","message":"TLS certificate verification is turned off, so anyone on the network path can impersonate the server and read or change the traffic.","note":"Keep certificate verification on; to trust a private CA, pass its certificate with the ca option or NODE_EXTRA_CA_CERTS.","metadata":{"cwe":"CWE-295","cweName":"Improper Certificate Validation","agentgateSeverity":"high","fix":"Keep certificate verification on; to trust a private CA, pass its certificate with the ca option or NODE_EXTRA_CA_CERTS."},"utils":{"zero":{"regex":"^(['\\"\`]0['\\"\`]|0)$"},"accept-all":{"any":[{"kind":"arrow_function","regex":"^(\\\\([^)]*\\\\)|\\\\w+)\\\\s*=>\\\\s*(\\\\{\\\\s*(return\\\\s*(undefined|null)?\\\\s*;?\\\\s*)?\\\\}|undefined|null|\\\\(?\\\\s*undefined\\\\s*\\\\)?)$"},{"kind":"function_expression","regex":"^function\\\\s*\\\\w*\\\\s*\\\\([^)]*\\\\)\\\\s*\\\\{\\\\s*(return\\\\s*(undefined|null)?\\\\s*;?\\\\s*)?\\\\}$"}]}},"rule":{"any":[{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?(rejectUnauthorized|strictSSL)['\\"]?$"}},{"has":{"field":"value","kind":"false"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","kind":"member_expression","has":{"field":"property","regex":"^(rejectUnauthorized|strictSSL)$"}}},{"has":{"field":"right","kind":"false"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","regex":"NODE_TLS_REJECT_UNAUTHORIZED"}},{"has":{"field":"right","matches":"zero"}}]},{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?NODE_TLS_REJECT_UNAUTHORIZED['\\"]?$"}},{"has":{"field":"value","matches":"zero"}}]},{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?checkServerIdentity['\\"]?$"}},{"has":{"field":"value","matches":"accept-all"}}]}]}},{"file":"ast-grep/rules/js-vm-dynamic-code.yml","id":"js-vm-dynamic-code","language":"tsx","severity":"error","message":"Node's vm module compiles a string that is not a literal, and vm is not a security boundary, so that string can run arbitrary code.","note":"Do not compile code built at run time; if untrusted code must run, isolate it in a separate process or sandbox.","metadata":{"cwe":"CWE-95","cweName":"Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')","agentgateSeverity":"critical","fix":"Do not compile code built at run time; if untrusted code must run, isolate it in a separate process or sandbox."},"utils":{"literal":{"any":[{"kind":"string"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}}]},"dynamic-first-argument":{"has":{"field":"arguments","has":{"nthChild":1,"not":{"matches":"literal"}}}}},"rule":{"any":[{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((\\\\w+\\\\.)*vm\\\\.)?(runInContext|runInNewContext|runInThisContext|compileFunction)$"}},{"matches":"dynamic-first-argument"}]},{"kind":"new_expression","all":[{"has":{"field":"constructor","regex":"^((\\\\w+\\\\.)*vm\\\\.)?Script$"}},{"matches":"dynamic-first-argument"},{"any":[{"has":{"field":"constructor","regex":"\\\\bvm\\\\.Script$"}},{"inside":{"stopBy":"end","kind":"program","has":{"stopBy":"end","kind":"string","regex":"^['\\"](node:)?vm['\\"]$"}}}]}]}]}},{"file":"ast-grep/rules/js-weak-hash-password.yml","id":"js-weak-hash-password","language":"tsx","severity":"error","message":"A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours.","note":"Hash passwords with a slow, salted algorithm such as argon2, bcrypt or crypto.scrypt.","metadata":{"cwe":"CWE-916","cweName":"Use of Password Hash With Insufficient Computational Effort","agentgateSeverity":"high","fix":"Hash passwords with a slow, salted algorithm such as argon2, bcrypt or crypto.scrypt."},"utils":{"password-ish":{"regex":"(?i)(passw(or)?d|passwd|pwd|passphrase)"},"weak-hash":{"kind":"call_expression","all":[{"has":{"field":"function","regex":"(^|\\\\.)createHash$"}},{"has":{"field":"arguments","has":{"nthChild":1,"regex":"^['\\"\`](?i:md4|md5|sha1|sha-1|ripemd160|rmd160)['\\"\`]$"}}}]}},"rule":{"kind":"call_expression","matches":"weak-hash","any":[{"inside":{"kind":"member_expression","has":{"field":"property","regex":"^update$"},"inside":{"kind":"call_expression","has":{"field":"arguments","has":{"nthChild":1,"matches":"password-ish"}}}}},{"inside":{"stopBy":"end","any":[{"kind":"function_declaration","has":{"field":"name","matches":"password-ish"}},{"kind":"method_definition","has":{"field":"name","matches":"password-ish"}},{"kind":"variable_declarator","all":[{"has":{"field":"name","matches":"password-ish"}},{"has":{"field":"value","any":[{"kind":"arrow_function"},{"kind":"function_expression"}]}}]}]}}]}},{"file":"ast-grep/rules/py-eval-dynamic.yml","id":"py-eval-dynamic","language":"python","severity":"error","message":"Code is evaluated from a string that is not a literal (eval, exec or compile), so whoever shapes that string can run arbitrary code.","note":"Do not evaluate strings as code; parse data with json.loads or ast.literal_eval and dispatch to known functions instead.","metadata":{"cwe":"CWE-95","cweName":"Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')","agentgateSeverity":"critical","fix":"Do not evaluate strings as code; parse data with json.loads or ast.literal_eval and dispatch to known functions instead."},"utils":{"literal":{"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}}]}},"rule":{"kind":"call","all":[{"has":{"field":"arguments","has":{"nthChild":1,"not":{"matches":"literal"}}}},{"any":[{"has":{"field":"function","regex":"^(builtins\\\\.)?(eval|exec)$"}},{"all":[{"has":{"field":"function","regex":"^(builtins\\\\.)?compile$"}},{"has":{"field":"arguments","any":[{"has":{"nthChild":3,"regex":"^['\\"](exec|eval|single)['\\"]$"}},{"has":{"kind":"keyword_argument","has":{"field":"name","regex":"^mode$"}}}]}}]}]}]}},{"file":"ast-grep/rules/py-jwt-hardcoded-secret.yml","id":"py-jwt-hardcoded-secret","language":"python","severity":"error","message":"A JWT is signed or verified with a key written in the source, so anyone who can read the code can mint valid tokens.","note":"Read the signing key from the environment or a secret manager (e.g. os.environ[\\"JWT_SECRET\\"]) and fail at startup when it is missing.","metadata":{"cwe":"CWE-798","cweName":"Use of Hard-coded Credentials","agentgateSeverity":"high","fix":"Read the signing key from the environment or a secret manager (e.g. os.environ[\\"JWT_SECRET\\"]) and fail at startup when it is missing."},"utils":{"literal":{"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}}]},"hardcoded":{"any":[{"matches":"literal"},{"kind":"boolean_operator","all":[{"has":{"field":"operator","regex":"^or$"}},{"has":{"field":"right","matches":"literal"}}]},{"kind":"call","all":[{"has":{"field":"function","regex":"^(os\\\\.environ\\\\.get|os\\\\.getenv)$"}},{"has":{"field":"arguments","has":{"nthChild":2,"matches":"literal"}}}]}]}},"rule":{"any":[{"kind":"call","all":[{"has":{"field":"function","regex":"^(\\\\w+\\\\.)?jwt\\\\.(encode|decode)$"}},{"has":{"field":"arguments","any":[{"has":{"nthChild":2,"matches":"hardcoded"}},{"has":{"kind":"keyword_argument","all":[{"has":{"field":"name","regex":"^key$"}},{"has":{"field":"value","matches":"hardcoded"}}]}}]}}]},{"kind":"assignment","all":[{"has":{"field":"left","regex":"(?i)jwt_?secret(_?key)?['\\"]?\\\\]?$"}},{"has":{"field":"right","matches":"hardcoded"}}]}]}},{"file":"ast-grep/rules/py-os-system.yml","id":"py-os-system","language":"python","severity":"error","message":"A command that is not a literal is run through the shell (os.system, os.popen or a shell helper), so a value containing shell syntax can run other commands.","note":"Use subprocess.run with an argument list and without shell=True, and validate the values you pass.","metadata":{"cwe":"CWE-78","cweName":"Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')","agentgateSeverity":"critical","fix":"Use subprocess.run with an argument list and without shell=True, and validate the values you pass."},"utils":{"literal":{"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}}]}},"rule":{"kind":"call","all":[{"has":{"field":"function","regex":"^(os\\\\.(system|popen[234]?)|(subprocess|commands)\\\\.(getoutput|getstatusoutput)|asyncio\\\\.create_subprocess_shell)$"}},{"not":{"has":{"field":"arguments","has":{"nthChild":1,"matches":"literal"}}}}]}},{"file":"ast-grep/rules/py-pickle-load.yml","id":"py-pickle-load","language":"python","severity":"error","message":"Data is deserialized with pickle (or a pickle-based loader), which runs arbitrary code when the data comes from anyone else.","note":"Exchange data as JSON or another data-only format; unpickle only files your own process wrote and nobody else can modify.","metadata":{"cwe":"CWE-502","cweName":"Deserialization of Untrusted Data","agentgateSeverity":"high","fix":"Exchange data as JSON or another data-only format; unpickle only files your own process wrote and nobody else can modify."},"rule":{"kind":"call","has":{"field":"function","regex":"^(((c|_)?pickle|cPickle|dill|cloudpickle)\\\\.(loads?|Unpickler)|marshal\\\\.loads?|jsonpickle\\\\.(decode|loads)|(pd|pandas)\\\\.read_pickle|joblib\\\\.load)$"}}},{"file":"ast-grep/rules/py-sql-string-concat.yml","id":"py-sql-string-concat","language":"python","severity":"error","message":"A SQL statement is built with an f-string, +, % or .format(), so a value containing quotes or SQL can change the query.","note":"Pass values as query parameters, e.g. cursor.execute(\\"SELECT * FROM t WHERE id = %s\\", (id,)), never by string building.","metadata":{"cwe":"CWE-89","cweName":"Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')","agentgateSeverity":"high","fix":"Pass values as query parameters, e.g. cursor.execute(\\"SELECT * FROM t WHERE id = %s\\", (id,)), never by string building."},"utils":{"literal":{"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}},{"kind":"integer"},{"kind":"float"}]},"built-string":{"any":[{"kind":"string","has":{"kind":"interpolation"},"not":{"inside":{"kind":"concatenated_string"}}},{"kind":"concatenated_string","has":{"stopBy":"end","kind":"interpolation"}},{"kind":"binary_operator","all":[{"has":{"field":"operator","regex":"^\\\\+$"}},{"has":{"stopBy":"end","all":[{"any":[{"inside":{"kind":"binary_operator","field":"left"}},{"inside":{"kind":"binary_operator","field":"right"}}]},{"not":{"matches":"literal"}},{"not":{"kind":"binary_operator","has":{"field":"operator","regex":"^\\\\+$"}}},{"not":{"kind":"parenthesized_expression"}}]}}]},{"kind":"binary_operator","all":[{"has":{"field":"operator","regex":"^%$"}},{"has":{"field":"left","any":[{"kind":"string"},{"kind":"concatenated_string"}]}}]},{"kind":"call","has":{"field":"function","kind":"attribute","all":[{"has":{"field":"object","any":[{"kind":"string"},{"kind":"concatenated_string"}]}},{"has":{"field":"attribute","regex":"^format$"}}]}}]},"plus":{"kind":"binary_operator","has":{"field":"operator","regex":"^\\\\+$"}},"sql-text":{"regex":"^[rRbBuUfF]{0,2}('''|\\"\\"\\"|'|\\")\\\\s*(SELECT\\\\s[\\\\s\\\\S]*\\\\sFROM\\\\s|select\\\\s[\\\\s\\\\S]*\\\\sfrom\\\\s|INSERT\\\\s+(IGNORE\\\\s+)?INTO\\\\s|insert\\\\s+(ignore\\\\s+)?into\\\\s|UPDATE\\\\s+\\\\S+\\\\s+SET\\\\s|update\\\\s+\\\\S+\\\\s+set\\\\s|DELETE\\\\s+FROM\\\\s|delete\\\\s+from\\\\s|REPLACE\\\\s+INTO\\\\s|replace\\\\s+into\\\\s|MERGE\\\\s+INTO\\\\s|merge\\\\s+into\\\\s)"},"query-argument":{"nthChild":1,"inside":{"kind":"argument_list","inside":{"kind":"call","has":{"field":"function","regex":"(^|\\\\.)(execute|executemany|executescript|mogrify|raw|read_sql|read_sql_query)$|^(sqlalchemy\\\\.|sa\\\\.)?text$"}}}},"sql-name":{"regex":"^(sql|SQL|stmt|STMT)(_\\\\w*)?$|^\\\\w*_(sql|SQL|stmt|STMT)(_\\\\w*)?$"}},"rule":{"matches":"built-string","not":{"any":[{"inside":{"matches":"plus"}},{"inside":{"kind":"parenthesized_expression","inside":{"matches":"plus"}}}]},"any":[{"matches":"sql-text"},{"matches":"query-argument"},{"inside":{"any":[{"kind":"assignment"},{"kind":"augmented_assignment"}],"has":{"field":"left","any":[{"matches":"sql-name"},{"kind":"attribute","has":{"field":"attribute","matches":"sql-name"}}]}}}]}},{"file":"ast-grep/rules/py-subprocess-shell-true.yml","id":"py-subprocess-shell-true","language":"python","severity":"error","message":"A subprocess runs a command through the shell (shell=True) and the command is not a literal, so a value containing shell syntax can run other commands.","note":"Pass the command as a list without shell=True, e.g. subprocess.run([\\"git\\", \\"checkout\\", branch]), and validate the values you pass.","metadata":{"cwe":"CWE-78","cweName":"Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')","agentgateSeverity":"critical","fix":"Pass the command as a list without shell=True, e.g. subprocess.run([\\"git\\", \\"checkout\\", branch]), and validate the values you pass."},"utils":{"literal":{"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}}]}},"rule":{"kind":"call","all":[{"has":{"field":"function","regex":"^((\\\\w+\\\\.)*subprocess\\\\.|sp\\\\.)?(run|call|check_call|check_output|Popen)$"}},{"has":{"field":"arguments","has":{"kind":"keyword_argument","all":[{"has":{"field":"name","regex":"^shell$"}},{"has":{"field":"value","kind":"true"}}]}}},{"not":{"has":{"field":"arguments","has":{"nthChild":1,"matches":"literal"}}}}]}},{"file":"ast-grep/rules/py-tls-verify-disabled.yml","id":"py-tls-verify-disabled","language":"python","severity":"error","message":"TLS certificate verification is turned off, so anyone on the network path can impersonate the server and read or change the traffic.","note":"Keep verification on; to trust a private CA, pass its bundle with verify=\\"/path/to/ca.pem\\" or load it into an ssl.SSLContext.","metadata":{"cwe":"CWE-295","cweName":"Improper Certificate Validation","agentgateSeverity":"high","fix":"Keep verification on; to trust a private CA, pass its bundle with verify=\\"/path/to/ca.pem\\" or load it into an ssl.SSLContext."},"rule":{"any":[{"kind":"keyword_argument","all":[{"has":{"field":"name","regex":"^verify$"}},{"has":{"field":"value","kind":"false"}}]},{"kind":"keyword_argument","all":[{"has":{"field":"name","regex":"^cert_reqs$"}},{"has":{"field":"value","regex":"CERT_NONE"}}]},{"kind":"attribute","regex":"^ssl\\\\._create_unverified_context$"},{"kind":"assignment","all":[{"has":{"field":"left","regex":"\\\\.check_hostname$"}},{"has":{"field":"right","kind":"false"}}]},{"kind":"assignment","all":[{"has":{"field":"left","regex":"\\\\.verify_mode$"}},{"has":{"field":"right","regex":"CERT_NONE$"}}]}]}},{"file":"ast-grep/rules/py-weak-hash-password.yml","id":"py-weak-hash-password","language":"python","severity":"error","message":"A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours.","note":"Hash passwords with a slow, salted algorithm such as argon2 or bcrypt, or hashlib.scrypt.","metadata":{"cwe":"CWE-916","cweName":"Use of Password Hash With Insufficient Computational Effort","agentgateSeverity":"high","fix":"Hash passwords with a slow, salted algorithm such as argon2 or bcrypt, or hashlib.scrypt."},"utils":{"password-ish":{"regex":"(?i)(passw(or)?d|passwd|pwd|passphrase)"},"weak-hash":{"kind":"call","any":[{"has":{"field":"function","regex":"^(hashlib\\\\.)?(md5|sha1|md4)$"}},{"all":[{"has":{"field":"function","regex":"^hashlib\\\\.new$"}},{"has":{"field":"arguments","has":{"nthChild":1,"regex":"^[rbuRBU]?['\\"](?i:md4|md5|sha1|sha-1)['\\"]$"}}}]}]}},"rule":{"matches":"weak-hash","any":[{"has":{"field":"arguments","matches":"password-ish"}},{"inside":{"stopBy":"end","kind":"function_definition","has":{"field":"name","matches":"password-ish"}}}]}},{"file":"ast-grep/rules/py-yaml-unsafe-load.yml","id":"py-yaml-unsafe-load","language":"python","severity":"error","message":"YAML is loaded without a safe Loader, so a document can construct arbitrary Python objects and run code.","note":"Use yaml.safe_load(data), or yaml.load(data, Loader=yaml.SafeLoader).","metadata":{"cwe":"CWE-502","cweName":"Deserialization of Untrusted Data","agentgateSeverity":"high","fix":"Use yaml.safe_load(data), or yaml.load(data, Loader=yaml.SafeLoader)."},"utils":{"safe-loader":{"regex":"(^|\\\\.)(C?SafeLoader|C?BaseLoader)$"}},"rule":{"kind":"call","any":[{"has":{"field":"function","regex":"^yaml\\\\.(unsafe_load|unsafe_load_all|full_load|full_load_all)$"}},{"all":[{"has":{"field":"function","regex":"^yaml\\\\.(load|load_all)$"}},{"not":{"has":{"field":"arguments","any":[{"has":{"kind":"keyword_argument","all":[{"has":{"field":"name","regex":"^Loader$"}},{"has":{"field":"value","matches":"safe-loader"}}]}},{"has":{"nthChild":2,"matches":"safe-loader"}}]}}}]}]}}]`,AST_GREP_LANGUAGE_GLOBS={tsx:["*.js","*.jsx","*.mjs","*.cjs","*.ts","*.mts","*.cts","*.tsx"]};import{createHash}from"node:crypto";var DEFAULT_POLICY_SOURCE="policies/default.yml",DEFAULT_POLICY_TEXT=`# agentgate's default policy pack.
#
# A policy decides every tool call the agent makes. Evaluation is deny-first: if a rule in a \`deny\`
# list matches, the call is refused with that rule's id; otherwise the first matching rule in the
# \`allow\` list permits it; otherwise it is refused by \`default-deny\`. Each decision is recorded in the
# trace with the id of the rule that made it.
#
# To write your own policy, copy this file into your repository (.github/agentgate.yml is a good place:
# the policy-files rule below keeps the agent from editing it), edit it, and pass its path with the
# action's \`policy\` input or the CLI's --policy. A policy file replaces this pack entirely; it does not
# extend it. Unknown keys are errors, and a malformed file fails with its file, line, field and what
# was expected.
#
# Rules. Every rule may have
#   id:          a kebab-case name, unique in the file, recorded with each decision it makes. Without
#                one, a rule is named by its position, e.g. \`read.deny[2]\`.
#   description: one sentence saying why the rule exists; it is shown to the model with a refusal.
#
# Globs (paths, tool names) are picomatch globs matched with \`dot: true\`: \`*\` stays within one
# directory, \`**\` crosses directories and also matches dotfiles, \`{a,b}\` is either. Paths are relative
# to the repository root, POSIX style, already resolved through symlinks; the root itself is \`.\`.
# The \`paths\` of a deny rule match in any case (\`agents.md\` is AGENTS.md on a case-insensitive disk);
# \`except\` and allow rules match the case as written.

# The version of this file format. Required; 1 is the only version.
version: 1

# How commands (run_command, run_tests) run:
#   bubblewrap  in a sandbox: no network except network.allowedDomains, writes only inside the work
#               tree, the environment reduced to env.allow. The run stops if the sandbox cannot start.
#   none        without isolation. Recorded as a warning in the trace and the result.
sandbox: bubblewrap

# What a sandboxed command can read besides the work tree, its private home and temp dir: the system
# directories (/usr, /bin, /sbin, /lib*, and /etc without its secret files such as /etc/shadow and SSH
# host keys), and these toolchain directories, read-only. Nothing else of the host is there: not the
# user's checkout, other checkouts, the runner's directories, $RUNNER_TEMP, home dotfiles or other
# processes. Absolute paths, or ~/... for the runner user's home; a directory that does not exist is
# skipped. Listing a whole home or / is refused. A policy that leaves this out gets this same list.
toolchains:
  - /opt/hostedtoolcache     # GitHub-hosted runners' setup-node/python/go/java/... installs
  - /opt/pipx
  - /opt/pipx_bin
  - ~/.cargo/bin             # rustup's proxies, not ~/.cargo (its credentials.toml)
  - ~/.rustup
  - ~/.nvm/versions
  - ~/.pyenv/versions
  - ~/.local/bin
  - ~/.bun/bin
  - ~/.deno/bin
  - ~/.dotnet
  - ~/go/bin
  - ~/go/pkg/mod             # Go's module cache, read-only

# Which tools the model may call at all. Names are the built-in tools, or mcp__<server>__<tool> for
# tools of the MCP servers under \`mcp\` (both this list and the server's own tools.allow must permit
# an MCP tool; a rule with tools: ["mcp__github__*"] would do here).
tools:
  deny: []
  allow:
    - id: builtin-tools
      description: the built-in file, search and command tools
      tools: [read_file, list_files, search, write_file, edit_file, run_command, run_tests]

# What read_file, list_files and search may read. Files a read.deny rule matches are also left out of
# listings and search results, and are unreadable from sandboxed commands.
#   paths:  globs the rule covers.
#   except: globs the rule does not cover after all (optional).
read:
  deny:
    - id: secret-files
      description: environment files, credentials and secrets are never shown to the model
      paths:
        - .env
        - .env.*
        - "**/.env"
        - "**/.env.*"
        - "**/secrets/**"
        - "**/.npmrc"
        - "**/.pypirc"
        - "**/.netrc"
        - "**/.git-credentials"
      except: ["**/.env.example", "**/.env.sample", "**/.env.template"]
    - id: private-keys
      description: private keys and certificates are never shown to the model
      paths:
        - "**/*.pem"
        - "**/*.key"
        - "**/*.p12"
        - "**/*.pfx"
        - "**/id_rsa*"
        - "**/id_dsa*"
        - "**/id_ecdsa*"
        - "**/id_ed25519*"
    - id: git-internals
      description: the repository's .git directory holds configuration and hooks, not source
      paths: [.git, .git/**]
  allow:
    - id: read-repo
      description: everything else in the repository
      paths: ["**"]

# What write_file and edit_file may write. A path any read.deny rule matches may not be written either
# (the decision names that read.deny rule), so secrets and .git are covered without repeating them.
write:
  deny:
    - id: workflows
      description: CI workflows and local actions run with the repository's credentials
      paths: [.github/workflows/**, .github/actions/**]
    - id: codeowners
      description: CODEOWNERS decides who must review a change
      paths: [CODEOWNERS, .github/CODEOWNERS, docs/CODEOWNERS]
    - id: gate-ignores
      description: the gates' ignore files decide which findings are reported
      paths: [.gitleaksignore, .semgrepignore, .secretlintignore]
    - id: gate-configs
      description: the gates' configuration decides what they check
      paths:
        - .gitleaks.toml
        - .semgrep.yml
        - .semgrep.yaml
        - .semgrep/**
        - .secretlintrc
        - .secretlintrc.*
    - id: policy-files
      description: the agent may not change the policy that governs it
      paths: [.github/agentgate.yml, .github/agentgate.yaml, "policies/**/*.yml", "policies/**/*.yaml"]
    - id: agent-instructions
      description: instructions for coding agents are written by people, not by the agent
      paths:
        - "**/AGENTS.md"
        - "**/CLAUDE.md"
        - "**/GEMINI.md"
        - "**/.cursorrules"
        - "**/.cursor/rules/**"
        - "**/.windsurfrules"
        - "**/.windsurf/rules/**"
        - "**/.clinerules"
        - "**/.clinerules/**"
        - "**/.github/copilot-instructions.md"
        - "**/.github/instructions/**"
        - "**/.github/prompts/**"
    - id: auto-run
      description: files an editor or a dev container runs when the repository is opened
      paths:
        - "**/.devcontainer/**"
        - "**/.devcontainer.json"
        - "**/.vscode/tasks.json"
        - "**/.vscode/settings.json"
    - id: submodules
      description: submodule URLs decide what other code a checkout fetches
      paths: ["**/.gitmodules"]
  allow:
    - id: write-repo
      description: everything else in the repository
      paths: ["**"]

# What run_command may run. A command line is split into its simple commands (on && || ; | & and
# newlines); the contents of $(...), \`...\` and <(...) are commands of their own, and so are the
# strings of \`bash -c '...'\` / \`sh -c '...'\`, the commands of \`find -exec\`, and the commands run by
# the wrappers env, time, nice, timeout, xargs, nohup, exec, command, stdbuf and setsid (the wrapper
# and the command it runs must both be allowed). Leading VAR=value assignments are skipped. A command
# line that cannot be followed this way is refused with the rule id \`command-unparseable\`.
#
# A command is allowed when no deny rule matches and every program in it is allowed by an allow rule.
# These rules check the command line as written: what a program does by itself (a script, an npm
# script, a Makefile target) is confined by the sandbox, not by these rules.
#
# Rule fields:
#   executables: program names, matched against the program's base name (\`vitest\` matches
#                ./node_modules/.bin/vitest), or exact paths when they contain a '/'.
#   args:        (deny only) JavaScript regexes; with \`args\`, the rule denies a listed program only when
#                one of its arguments matches one of them as a whole.
#   patterns:    JavaScript regexes. In deny rules a pattern is searched for in the whole command line,
#                in each simple command as written, and in each program with its arguments joined by
#                single spaces (quotes removed). In allow rules a pattern must match a whole program
#                with its arguments, e.g. "make (build|test)".
commands:
  deny:
    - id: network-clients
      description: commands have no network; fetch nothing and send nothing
      executables:
        - curl
        - wget
        - nc
        - ncat
        - netcat
        - ssh
        - scp
        - sftp
        - rsync
        - ftp
        - tftp
        - telnet
        - socat
        - aria2c
    - id: network-redirects
      description: bash's /dev/tcp and /dev/udp open network connections
      patterns:
        - "(^|[\\\\s<>&|;'\\"])/dev/(tcp|udp)/"
        # The same path built by a substitution or a variable: $(echo /dev)/tcp/..., $d/tcp/...
        - "([)}]|\\\\$[A-Za-z_][A-Za-z0-9_]*)/(tcp|udp)/[^\\\\s/]+/"
    - id: privilege-escalation
      description: commands run as the current user only
      executables: [sudo, su, doas, pkexec, runuser]
    - id: git-push
      description: agentgate publishes the work itself; the agent never pushes
      executables: [git]
      subcommands: [push, send-pack]
    - id: git-config
      description: git configuration (including -c) can run programs and change where git sends data
      executables: [git]
      subcommands: [config]
      options: ["-c.*", "--config-env(=.*)?"]
    - id: git-remote
      description: the work clone's remotes are managed by agentgate
      executables: [git]
      subcommands: [remote, fetch, pull, clone, ls-remote]
    - id: git-credential
      description: git credentials are never handed to the agent
      executables: [git]
      subcommands: ["credential(-.*)?"]
    - id: package-publish
      description: publishing and registry account commands are for people
      executables: [npm, pnpm, yarn, cargo]
      subcommands: [publish, unpublish, deprecate, dist-tag, owner, adduser, login, token]
  allow:
    - id: dev-tools
      description: build, test, version-control and text tools
      executables:
        # Node.js
        - node
        - npm
        - npx
        - pnpm
        - yarn
        - tsc
        - vitest
        - jest
        # Python, Go, Rust, make
        - python
        - python3
        - pytest
        - pip
        - go
        - cargo
        - rustc
        - make
        # git (see the git-* deny rules)
        - git
        # files and text
        - ls
        - cat
        - head
        - tail
        - wc
        - grep
        - rg
        - find
        - sed
        - awk
        - sort
        - uniq
        - cut
        - tr
        - diff
        - cmp
        - echo
        - printf
        - mkdir
        - cp
        - mv
        - rm
        - touch
        - ln
        - chmod
        - basename
        - dirname
        - realpath
        - tee
        - xxd
        - sha256sum
        - date
        - sleep
        - jq
        # shells and builtins
        - sh
        - bash
        - cd
        - pwd
        - test
        - "["
        - "true"
        - "false"
        - export
        - set
        - exit
        - which
        # wrappers (the command they run is checked too)
        - env
        - time
        - nice
        - timeout
        - xargs

# Egress allowlist for sandboxed commands: domain names such as registry.npmjs.org, or wildcards such
# as *.example.com (which match subdomains, not example.com itself). Empty: no network at all.
network:
  allowedDomains: []

# The environment of sandboxed commands.
#   allow:  variables passed through from the runner's environment: exact names, or a prefix ending
#           in '*' such as LC_*. Nothing else is passed.
#   secret: variables never passed to a command, whose values are also redacted from the trace, logs
#           and results. Globs, matched case-insensitively. A secret name is never passed even when
#           \`allow\` names it. GITHUB_TOKEN, GH_TOKEN, ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN,
#           ACTIONS_*TOKEN and the action's key and token inputs are secret in every policy.
env:
  allow:
    - PATH
    - HOME
    - USER
    - LANG
    - LANGUAGE
    - LC_*
    - TERM
    - TZ
    - TMPDIR
    - CI
    - NODE_ENV
    - NO_COLOR
    - FORCE_COLOR
    - GOPATH
    - GOCACHE
    - GOMODCACHE
    - GOFLAGS
    - CARGO_HOME
    - RUSTUP_HOME
    - JAVA_HOME
  secret:
    - GITHUB_TOKEN
    - GH_TOKEN
    - ANTHROPIC_API_KEY
    - ACTIONS_*
    - AWS_*
    - "*_TOKEN"
    - "*-TOKEN"
    - "*_SECRET"
    - "*_SECRET_*"
    - "*_PASSWORD"
    - "*_PASSWD"
    - "*_KEY"
    - "*-KEY"
    - "*_CREDENTIALS"

# MCP servers whose tools the model may use, by name (lowercase letters and digits, separated by single
# - or _). Each server is started over stdio for the run:
#   command:     the program that starts the server.
#   args:        its arguments (optional).
#   env:         variables set for the server (optional). GITHUB_TOKEN, ANTHROPIC_API_KEY and the like
#                are never passed, even when named here.
#   tools.allow: globs of the server's tool names the model may use; nothing else is offered.
#   tools.deny:  globs of tool names refused even when tools.allow matches.
# A server's tools also need a tools.allow rule above (e.g. tools: ["mcp__docs__*"]). For example:
#
#   servers:
#     docs:
#       command: npx
#       args: [-y, "@example/docs-mcp-server"]
#       tools:
#         allow: ["search_*", get_page]
#         deny: [delete_page]
mcp:
  servers: {}

# The gates: deterministic checks on the change itself (\`agentgate gates\`, and the action's gate
# mode on pull requests). They read this section and the write rules above. Every field is optional.
gates:
  # Severities (critical|high|medium|low|info) whose new findings fail the change. Findings on lines
  # the change did not add are reported as pre-existing and never block.
  blockOn: [critical, high]
  # How long one engine may run before its gate fails.
  timeoutSeconds: 300

  secrets:
    # auto: gitleaks when it is on PATH (the action installs a pinned release on GitHub-hosted
    # runners), else secretlint (embedded). gitleaks or secretlint: that engine only; a required
    # engine that is missing fails the gate.
    engine: auto
    # Extra patterns, matched line by line in the changed files:
    #   - id: internal-token
    #     description: our API tokens
    #     regex: "itk_[A-Za-z0-9]{32}"
    #     severity: critical
    patterns: []

  sast:
    # auto: semgrep or opengrep when one is on PATH (the action installs a pinned opengrep on
    # GitHub-hosted runners), else ast-grep (embedded). semgrep: semgrep or opengrep, required;
    # opengrep or ast-grep: that engine only. All run agentgate's rule pack (policies/sast/) on the
    # changed files; a required engine that is missing fails the gate.
    engine: auto

  # Checks on every dependency the change adds or changes, against its registry.
  dependencies:
    # The version must have been published at least this many days ago.
    minAgeDays: 3
    # npm packages need at least this many downloads in the last week.
    minWeeklyDownloads: 50
    # SPDX licence ids a dependency's licence must satisfy (expressions like "MIT OR GPL-3.0" pass
    # when one side is allowed).
    licenses: [MIT, MIT-0, ISC, BSD-2-Clause, BSD-3-Clause, 0BSD, Apache-2.0, Unlicense, CC0-1.0, Zlib, BlueOak-1.0.0, Python-2.0, PSF-2.0, MPL-2.0]
    # A licence no registry states: fail, or warn (a low-severity finding).
    unknownLicense: fail
    # A registry that cannot be reached: fail (the gate cannot vouch for the package), or warn.
    unreachable: fail
    # Package names exempt from the age, download and name checks (internal packages, say).
    allow: []
    # Registry base URLs; point them at internal mirrors if you have them.
    registries:
      npm: https://registry.npmjs.org
      npmDownloads: https://api.npmjs.org
      pypi: https://pypi.org
      crates: https://crates.io
      go: https://proxy.golang.org

  # Checks on the shape of the change. Changes to paths the write rules deny (workflows, CODEOWNERS,
  # gate configuration and ignore files, policy files, agent instructions, auto-run files, .gitmodules),
  # symbolic links to such paths or out of the repository, submodule gitlinks and nested .git
  # directories fail unless the change carries an approval label.
  changes:
    maxFiles: 50
    maxChangedLines: 2000
    approvalLabels: ["agentgate:approved"]
    # More protected paths, beyond the write rules.
    protectedPaths:
      paths: []
      except: []

# What the action does with the agent's work after the gates. A secret found by the gates means
# nothing is pushed, whatever this says.
publish:
  # Blocking findings from the other gates: no-pr (keep the patch and reports as artifacts only), or
  # draft-pr (push and open a draft PR labelled gates:failed for a person to look at).
  onGateFailure: no-pr
`,DEFAULT_POLICY_JSON=`{"version":1,"sandbox":"bubblewrap","toolchains":["/opt/hostedtoolcache","/opt/pipx","/opt/pipx_bin","~/.cargo/bin","~/.rustup","~/.nvm/versions","~/.pyenv/versions","~/.local/bin","~/.bun/bin","~/.deno/bin","~/.dotnet","~/go/bin","~/go/pkg/mod"],"tools":{"deny":[],"allow":[{"id":"builtin-tools","description":"the built-in file, search and command tools","tools":["read_file","list_files","search","write_file","edit_file","run_command","run_tests"]}]},"read":{"deny":[{"id":"secret-files","description":"environment files, credentials and secrets are never shown to the model","paths":[".env",".env.*","**/.env","**/.env.*","**/secrets/**","**/.npmrc","**/.pypirc","**/.netrc","**/.git-credentials"],"except":["**/.env.example","**/.env.sample","**/.env.template"]},{"id":"private-keys","description":"private keys and certificates are never shown to the model","paths":["**/*.pem","**/*.key","**/*.p12","**/*.pfx","**/id_rsa*","**/id_dsa*","**/id_ecdsa*","**/id_ed25519*"],"except":[]},{"id":"git-internals","description":"the repository's .git directory holds configuration and hooks, not source","paths":[".git",".git/**"],"except":[]}],"allow":[{"id":"read-repo","description":"everything else in the repository","paths":["**"],"except":[]}]},"write":{"deny":[{"id":"workflows","description":"CI workflows and local actions run with the repository's credentials","paths":[".github/workflows/**",".github/actions/**"],"except":[]},{"id":"codeowners","description":"CODEOWNERS decides who must review a change","paths":["CODEOWNERS",".github/CODEOWNERS","docs/CODEOWNERS"],"except":[]},{"id":"gate-ignores","description":"the gates' ignore files decide which findings are reported","paths":[".gitleaksignore",".semgrepignore",".secretlintignore"],"except":[]},{"id":"gate-configs","description":"the gates' configuration decides what they check","paths":[".gitleaks.toml",".semgrep.yml",".semgrep.yaml",".semgrep/**",".secretlintrc",".secretlintrc.*"],"except":[]},{"id":"policy-files","description":"the agent may not change the policy that governs it","paths":[".github/agentgate.yml",".github/agentgate.yaml","policies/**/*.yml","policies/**/*.yaml"],"except":[]},{"id":"agent-instructions","description":"instructions for coding agents are written by people, not by the agent","paths":["**/AGENTS.md","**/CLAUDE.md","**/GEMINI.md","**/.cursorrules","**/.cursor/rules/**","**/.windsurfrules","**/.windsurf/rules/**","**/.clinerules","**/.clinerules/**","**/.github/copilot-instructions.md","**/.github/instructions/**","**/.github/prompts/**"],"except":[]},{"id":"auto-run","description":"files an editor or a dev container runs when the repository is opened","paths":["**/.devcontainer/**","**/.devcontainer.json","**/.vscode/tasks.json","**/.vscode/settings.json"],"except":[]},{"id":"submodules","description":"submodule URLs decide what other code a checkout fetches","paths":["**/.gitmodules"],"except":[]}],"allow":[{"id":"write-repo","description":"everything else in the repository","paths":["**"],"except":[]}]},"commands":{"deny":[{"id":"network-clients","description":"commands have no network; fetch nothing and send nothing","executables":["curl","wget","nc","ncat","netcat","ssh","scp","sftp","rsync","ftp","tftp","telnet","socat","aria2c"],"subcommands":[],"options":[],"args":[],"patterns":[]},{"id":"network-redirects","description":"bash's /dev/tcp and /dev/udp open network connections","executables":[],"subcommands":[],"options":[],"args":[],"patterns":["(^|[\\\\s<>&|;'\\"])/dev/(tcp|udp)/","([)}]|\\\\$[A-Za-z_][A-Za-z0-9_]*)/(tcp|udp)/[^\\\\s/]+/"]},{"id":"privilege-escalation","description":"commands run as the current user only","executables":["sudo","su","doas","pkexec","runuser"],"subcommands":[],"options":[],"args":[],"patterns":[]},{"id":"git-push","description":"agentgate publishes the work itself; the agent never pushes","executables":["git"],"subcommands":["push","send-pack"],"options":[],"args":[],"patterns":[]},{"id":"git-config","description":"git configuration (including -c) can run programs and change where git sends data","executables":["git"],"subcommands":["config"],"options":["-c.*","--config-env(=.*)?"],"args":[],"patterns":[]},{"id":"git-remote","description":"the work clone's remotes are managed by agentgate","executables":["git"],"subcommands":["remote","fetch","pull","clone","ls-remote"],"options":[],"args":[],"patterns":[]},{"id":"git-credential","description":"git credentials are never handed to the agent","executables":["git"],"subcommands":["credential(-.*)?"],"options":[],"args":[],"patterns":[]},{"id":"package-publish","description":"publishing and registry account commands are for people","executables":["npm","pnpm","yarn","cargo"],"subcommands":["publish","unpublish","deprecate","dist-tag","owner","adduser","login","token"],"options":[],"args":[],"patterns":[]}],"allow":[{"id":"dev-tools","description":"build, test, version-control and text tools","executables":["node","npm","npx","pnpm","yarn","tsc","vitest","jest","python","python3","pytest","pip","go","cargo","rustc","make","git","ls","cat","head","tail","wc","grep","rg","find","sed","awk","sort","uniq","cut","tr","diff","cmp","echo","printf","mkdir","cp","mv","rm","touch","ln","chmod","basename","dirname","realpath","tee","xxd","sha256sum","date","sleep","jq","sh","bash","cd","pwd","test","[","true","false","export","set","exit","which","env","time","nice","timeout","xargs"],"patterns":[]}]},"network":{"allowedDomains":[]},"env":{"allow":["PATH","HOME","USER","LANG","LANGUAGE","LC_*","TERM","TZ","TMPDIR","CI","NODE_ENV","NO_COLOR","FORCE_COLOR","GOPATH","GOCACHE","GOMODCACHE","GOFLAGS","CARGO_HOME","RUSTUP_HOME","JAVA_HOME"],"secret":["GITHUB_TOKEN","GH_TOKEN","ANTHROPIC_API_KEY","ACTIONS_*","AWS_*","*_TOKEN","*-TOKEN","*_SECRET","*_SECRET_*","*_PASSWORD","*_PASSWD","*_KEY","*-KEY","*_CREDENTIALS"]},"mcp":{"servers":{}},"gates":{"blockOn":["critical","high"],"timeoutSeconds":300,"secrets":{"engine":"auto","patterns":[]},"sast":{"engine":"auto"},"dependencies":{"minAgeDays":3,"minWeeklyDownloads":50,"licenses":["MIT","MIT-0","ISC","BSD-2-Clause","BSD-3-Clause","0BSD","Apache-2.0","Unlicense","CC0-1.0","Zlib","BlueOak-1.0.0","Python-2.0","PSF-2.0","MPL-2.0"],"unknownLicense":"fail","unreachable":"fail","allow":[],"registries":{"npm":"https://registry.npmjs.org","npmDownloads":"https://api.npmjs.org","pypi":"https://pypi.org","crates":"https://crates.io","go":"https://proxy.golang.org"}},"changes":{"maxFiles":50,"maxChangedLines":2000,"approvalLabels":["agentgate:approved"],"protectedPaths":{"paths":[],"except":[]}}},"publish":{"onGateFailure":"no-pr"}}`;var sha256;function loadDefaultPolicy(){return sha256??=createHash("sha256").update(DEFAULT_POLICY_TEXT,"utf8").digest("hex"),{policy:JSON.parse(DEFAULT_POLICY_JSON),source:DEFAULT_POLICY_SOURCE,sha256}}async function loadPolicyFile(file){return(await import("./loader-5NR3GLRR.js")).loadPolicyFile(file)}async function parsePolicyText(text,source){return(await import("./loader-5NR3GLRR.js")).parsePolicy(text,source)}export{loadDefaultPolicy,SAST_PACK,AST_GREP_RULES_JSON,AST_GREP_LANGUAGE_GLOBS,loadPolicyFile,parsePolicyText};
