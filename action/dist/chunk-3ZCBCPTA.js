import { createRequire as __agentgateCreateRequire } from 'node:module'; const require = __agentgateCreateRequire(import.meta.url);
var SAST_PACK={"ast-grep/rules/go-exec-sh-concat.yml":`id: go-exec-sh-concat
language: go
severity: error
message: exec.Command runs a shell (sh -c) on a command that is not fixed in the source (built by concatenation or fmt.Sprintf, or passed in a variable), so a value containing shell syntax can run other commands.
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
      - kind: float_literal
      - kind: rune_literal
      - kind: 'true'
      - kind: 'false'
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions written there), and the file's package-level constants.
  scope:
    any:
      - kind: function_declaration
      - kind: method_declaration
      - kind: func_literal
  # A statement that gives $LB a literal value, and one that gives it anything else.
  gives-literal:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $LB } } }, { has: { field: right, has: { matches: literal } } }]
      - any: [{ kind: var_spec }, { kind: const_spec }]
        all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, has: { matches: literal } } }]
  gives-other:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $LB } } }, { has: { field: right, has: { not: { matches: literal } } } }]
      - kind: var_spec
        all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, has: { not: { matches: literal } } } }]
      - kind: assignment_statement
        has: { field: left, has: { pattern: $LB } }
  # A name ($LB) that a package-level const, or the statements before it, give only literal values, and that
  # is not a parameter of a function around it: \`const script = "make build"\`.
  literal-bound:
    all:
      - kind: identifier
      - pattern: $LB
      - any:
          - inside:
              stopBy: end
              kind: source_file
              has: { kind: const_declaration, has: { kind: const_spec, matches: gives-literal } }
          - inside:
              stopBy: end
              follows:
                stopBy: end
                not: { matches: scope }
                any: [{ matches: gives-literal }, { has: { stopBy: { matches: scope }, matches: gives-literal } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              any: [{ matches: gives-other }, { has: { stopBy: { matches: scope }, matches: gives-other } }]
      - not:
          inside:
            stopBy: end
            matches: scope
            has: { field: parameters, has: { stopBy: end, pattern: $LB } }
  # A value fixed in the source: a literal, a name holding only literals, or literals and such names joined
  # with +.
  constant:
    any:
      - matches: literal
      - matches: literal-bound
      - any:
          - kind: parenthesized_expression
          - kind: binary_expression
            has: { field: operator, regex: '^\\+$' }
        not:
          has:
            stopBy: end
            any:
              - { kind: identifier, not: { matches: literal-bound } }
              - kind: call_expression
              - kind: selector_expression
              - kind: index_expression
              - kind: unary_expression
              - kind: type_conversion_expression
  shell: { regex: '^["\`](/usr)?(/bin/)?(ba|da|k|z)?sh["\`]$' }
  dash-c: { regex: '^["\`]-c["\`]$' }
  # The command a shell runs, when it is not fixed in the source: fmt.Sprintf(...), "tar czf " + dir, or a
  # variable or parameter (cmd := "tar czf " + dir; exec.Command("sh", "-c", cmd)).
  open-command:
    not: { matches: constant }
rule:
  kind: call_expression
  any:
    # exec.Command("sh", "-c", "tar czf " + dir), exec.Command("bash", "-c", script)
    - all:
        - has: { field: function, regex: '^exec\\.Command$' }
        - has:
            field: arguments
            all:
              - has: { nthChild: 1, matches: shell }
              - has: { nthChild: 2, matches: dash-c }
              - has: { nthChild: 3, matches: open-command }
    # exec.CommandContext(ctx, "bash", "-c", fmt.Sprintf(...))
    - all:
        - has: { field: function, regex: '^exec\\.CommandContext$' }
        - has:
            field: arguments
            all:
              - has: { nthChild: 2, matches: shell }
              - has: { nthChild: 3, matches: dash-c }
              - has: { nthChild: 4, matches: open-command }
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
  literal:
    any:
      - kind: interpreted_string_literal
      - kind: raw_string_literal
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions written there), and the file's package-level constants.
  scope:
    any:
      - kind: function_declaration
      - kind: method_declaration
      - kind: func_literal
  # A statement that gives $LB a literal value, and one that gives it anything else.
  gives-literal:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $LB } } }, { has: { field: right, has: { matches: literal } } }]
      - any: [{ kind: var_spec }, { kind: const_spec }]
        all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, has: { matches: literal } } }]
  gives-other:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $LB } } }, { has: { field: right, has: { not: { matches: literal } } } }]
      - kind: var_spec
        all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, has: { not: { matches: literal } } } }]
      - kind: assignment_statement
        has: { field: left, has: { pattern: $LB } }
  # A name ($LB) that a package-level const, or the statements before it, give only literal values, and that
  # is not a parameter of a function around it: \`const secret = "s3cr3t"\`.
  literal-bound:
    all:
      - kind: identifier
      - pattern: $LB
      - any:
          - inside:
              stopBy: end
              kind: source_file
              has: { kind: const_declaration, has: { kind: const_spec, matches: gives-literal } }
          - inside:
              stopBy: end
              follows:
                stopBy: end
                not: { matches: scope }
                any: [{ matches: gives-literal }, { has: { stopBy: { matches: scope }, matches: gives-literal } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              any: [{ matches: gives-other }, { has: { stopBy: { matches: scope }, matches: gives-other } }]
      - not:
          inside:
            stopBy: end
            matches: scope
            has: { field: parameters, has: { stopBy: end, pattern: $LB } }
  # []byte("literal"), or []byte(name) of a name holding only a literal
  literal-key:
    any:
      - any: [{ kind: type_conversion_expression }, { kind: call_expression }]
        regex: '^\\[\\]byte\\(\\s*("([^"\\\\]|\\\\.)*"|\`[^\`]*\`)\\s*\\)$'
      - kind: type_conversion_expression
        all:
          - has: { field: type, regex: '^\\[\\]byte$' }
          - has: { field: operand, matches: literal-bound }
  key-name: { regex: '(?i)(jwt|signing_?key|hmac_?(key|secret))' }
  # A statement that gives $KB such a key.
  gives-key:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $KB } } }, { has: { field: right, has: { matches: literal-key } } }]
      - kind: var_spec
        all: [{ has: { field: name, pattern: $KB } }, { has: { field: value, has: { matches: literal-key } } }]
      - kind: assignment_statement
        all: [{ has: { field: left, has: { pattern: $KB } } }, { has: { field: right, has: { matches: literal-key } } }]
  # A variable ($KB) that a package-level var or a statement before it sets to such a key: \`var key =
  # []byte(secret)\`. A name such as jwtKey is reported where it is declared, so it is left out here.
  key-bound:
    all:
      - kind: identifier
      - not: { matches: key-name }
      - pattern: $KB
      - any:
          - inside:
              stopBy: end
              kind: source_file
              has: { kind: var_declaration, has: { kind: var_spec, matches: gives-key } }
          - inside:
              stopBy: end
              follows:
                stopBy: end
                not: { matches: scope }
                any: [{ matches: gives-key }, { has: { stopBy: { matches: scope }, matches: gives-key } }]
  hardcoded-key:
    any: [{ matches: literal-key }, { matches: key-bound }]
rule:
  any:
    # token.SignedString([]byte("secret")), token.SignedString(key) with key := []byte(secret)
    - kind: call_expression
      all:
        - has: { field: function, regex: '\\.SignedString$' }
        - has: { field: arguments, has: { nthChild: 1, matches: hardcoded-key } }
    # var jwtKey = []byte("secret"), jwtSecret := []byte(secret)
    - all:
        - any: [{ kind: type_conversion_expression }, { kind: call_expression }]
        - inside:
            kind: expression_list
            inside:
              any: [{ kind: var_spec }, { kind: short_var_declaration }, { kind: const_spec }, { kind: assignment_statement }]
              has: { field: left, regex: '(?i)(jwt|signing_?key|hmac_?(key|secret))' }
        - matches: literal-key
    - all:
        - any: [{ kind: type_conversion_expression }, { kind: call_expression }]
        - inside:
            kind: expression_list
            inside:
              kind: var_spec
              has: { field: name, regex: '(?i)(jwt|signing_?key|hmac_?(key|secret))' }
        - matches: literal-key
    # jwt.Parse(s, func(*jwt.Token) (interface{}, error) { return []byte("secret"), nil }), or return key
    - all:
        - any: [{ kind: type_conversion_expression }, { kind: call_expression }, { kind: identifier }]
        - inside:
            kind: expression_list
            inside:
              kind: return_statement
              inside:
                stopBy: end
                kind: call_expression
                has: { field: function, regex: '(^|\\.)(jwt\\.)?(Parse|ParseWithClaims)$' }
        - matches: hardcoded-key
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
      - kind: float_literal
      - kind: rune_literal
      - kind: 'true'
      - kind: 'false'
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions written there), and the file's package-level constants.
  scope:
    any:
      - kind: function_declaration
      - kind: method_declaration
      - kind: func_literal
  # A statement that gives $LB a literal value, and one that gives it anything else.
  gives-literal:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $LB } } }, { has: { field: right, has: { matches: literal } } }]
      - any: [{ kind: var_spec }, { kind: const_spec }]
        all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, has: { matches: literal } } }]
  gives-other:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $LB } } }, { has: { field: right, has: { not: { matches: literal } } } }]
      - kind: var_spec
        all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, has: { not: { matches: literal } } } }]
      - kind: assignment_statement
        has: { field: left, has: { pattern: $LB } }
  # A name ($LB) that a package-level const, or the statements before it, give only literal values, and that
  # is not a parameter of a function around it: \`const table = "users"\`.
  literal-bound:
    all:
      - kind: identifier
      - pattern: $LB
      - any:
          - inside:
              stopBy: end
              kind: source_file
              has: { kind: const_declaration, has: { kind: const_spec, matches: gives-literal } }
          - inside:
              stopBy: end
              follows:
                stopBy: end
                not: { matches: scope }
                any: [{ matches: gives-literal }, { has: { stopBy: { matches: scope }, matches: gives-literal } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              any: [{ matches: gives-other }, { has: { stopBy: { matches: scope }, matches: gives-other } }]
      - not:
          inside:
            stopBy: end
            matches: scope
            has: { field: parameters, has: { stopBy: end, pattern: $LB } }
  # A value fixed in the source: a literal, a name holding only literals, or literals and such names joined
  # with +.
  constant:
    any:
      - matches: literal
      - matches: literal-bound
      - any:
          - kind: parenthesized_expression
          - kind: binary_expression
            has: { field: operator, regex: '^\\+$' }
        not:
          has:
            stopBy: end
            any:
              - { kind: identifier, not: { matches: literal-bound } }
              - kind: call_expression
              - kind: selector_expression
              - kind: index_expression
              - kind: unary_expression
              - kind: type_conversion_expression
  # A string put together at run time: fmt.Sprintf(...) or a + chain, with a part that is neither a literal
  # nor a name holding one.
  built-string:
    any:
      - kind: call_expression
        all:
          - has: { field: function, regex: '^fmt\\.Sprintf$' }
          - has:
              field: arguments
              has:
                not: { nthChild: 1 }
                any: [{ kind: identifier }, { kind: call_expression }, { kind: selector_expression }, { kind: index_expression }, { kind: binary_expression }, { kind: unary_expression }, { kind: type_conversion_expression }, { kind: variadic_argument }]
                all: [{ not: { matches: constant } }]
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
                - not: { matches: literal-bound }
  plus:
    kind: binary_expression
    has: { field: operator, regex: '^\\+$' }
  # Text that starts like a statement (after fmt.Sprintf's parenthesis). One case only, so prose is not SQL.
  sql-text:
    regex: '^(fmt\\.Sprintf\\(\\s*)?["\`]\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)'
  # A database/sql, sqlx, pgx or gorm call that runs SQL text.
  query-call:
    kind: call_expression
    has:
      field: function
      kind: selector_expression
      has:
        field: field
        regex: '^(Query|QueryRow|QueryContext|QueryRowContext|Exec|ExecContext|Prepare|PrepareContext|Queryx|QueryRowx|QueryxContext|QueryRowxContext|MustExec|NamedExec|NamedQuery|Raw)$'
  # An argument of such a call.
  query-argument:
    inside: { kind: argument_list, inside: { matches: query-call } }
  # A statement that gives $BV a built string.
  gives-built:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $BV } } }, { has: { field: right, has: { matches: built-string } } }]
      - kind: var_spec
        all: [{ has: { field: name, pattern: $BV } }, { has: { field: value, has: { matches: built-string } } }]
      - kind: assignment_statement
        all:
          - has: { field: left, has: { pattern: $BV } }
          - any:
              - has: { field: right, has: { matches: built-string } }
              - all: [{ has: { field: operator, regex: '^\\+=$' } }, { has: { field: right, has: { not: { matches: constant } } } }]
  # A statement that sets $BV to something not built.
  resets-variable:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $BV } } }, { has: { field: right, not: { has: { matches: built-string } } } }]
      - kind: var_spec
        all: [{ has: { field: name, pattern: $BV } }, { has: { field: value, not: { has: { matches: built-string } } } }]
      - kind: assignment_statement
        all:
          - has: { field: left, has: { pattern: $BV } }
          - has: { field: operator, regex: '^=$' }
          - has: { field: right, not: { has: { matches: built-string } } }
  # A statement before the node, in one of its enclosing blocks, that builds $BV (or a block holding one); and
  # one that unconditionally sets it to something not built.
  builds-statement:
    not: { matches: scope }
    any: [{ matches: gives-built }, { has: { stopBy: { matches: scope }, matches: gives-built } }]
  resets-statement:
    any:
      - matches: resets-variable
      - { kind: var_declaration, has: { matches: resets-variable } }
  # A variable ($BV) built by a statement before it and not set to something else since:
  # \`q := "SELECT ... " + id; db.Query(q)\`.
  built-variable:
    all:
      - kind: identifier
      - pattern: $BV
      # The latest statement before the node that builds it ($BUILD: relational rules try the nearest block
      # first, and in it the nearest statement first)...
      - inside: { stopBy: end, follows: { stopBy: end, all: [{ matches: builds-statement }, { pattern: $BUILD }] } }
      # ...not followed by one that sets it to something not built (\`q = "SELECT 1"\`), in the same block or in
      # a block nearer the node.
      - not:
          any:
            - inside:
                stopBy: end
                follows: { stopBy: end, all: [{ matches: resets-statement }, { follows: { stopBy: end, pattern: $BUILD } }] }
            - inside:
                stopBy: end
                follows: { stopBy: end, matches: resets-statement }
                inside: { stopBy: end, follows: { stopBy: end, pattern: $BUILD } }
rule:
  any:
    - all:
        - any: [{ kind: call_expression }, { kind: binary_expression }]
        # Report a + chain once, at its outermost expression.
        - not:
            any:
              - inside: { matches: plus }
              - inside: { kind: parenthesized_expression, inside: { matches: plus } }
        # Where the text goes or what it says first (cheap), then whether it is built (looks at variables).
        - any:
            - matches: sql-text
            - matches: query-argument
        - matches: built-string
    # The statement was built on an earlier line and is run here: \`db.Query(q)\`, \`db.QueryContext(ctx, q)\`.
    - all:
        - matches: query-call
        - any:
            - all:
                - has: { field: function, regex: 'Context$' }
                - has: { field: arguments, has: { nthChild: 2, matches: built-variable } }
            - all:
                - has: { field: function, not: { regex: 'Context$' } }
                - has: { field: arguments, has: { nthChild: 1, matches: built-variable } }
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
utils:
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions written there), and the file's package-level constants.
  scope:
    any:
      - kind: function_declaration
      - kind: method_declaration
      - kind: func_literal
  gives-true:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $TB } } }, { has: { field: right, has: { kind: 'true' } } }]
      - any: [{ kind: var_spec }, { kind: const_spec }]
        all: [{ has: { field: name, pattern: $TB } }, { has: { field: value, has: { kind: 'true' } } }]
  gives-other:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $TB } } }, { has: { field: right, has: { not: { kind: 'true' } } } }]
      - kind: var_spec
        all: [{ has: { field: name, pattern: $TB } }, { has: { field: value, has: { not: { kind: 'true' } } } }]
      - kind: assignment_statement
        has: { field: left, has: { pattern: $TB } }
  # true, or a name ($TB) that a package-level const or the statements before it set only to true, and that
  # is not a parameter of a function around it: \`skip := true\`.
  on:
    any:
      - kind: 'true'
      - all:
          - kind: identifier
          - pattern: $TB
          - any:
              - inside:
                  stopBy: end
                  kind: source_file
                  has: { kind: const_declaration, has: { kind: const_spec, matches: gives-true } }
              - inside:
                  stopBy: end
                  follows:
                    stopBy: end
                    not: { matches: scope }
                    any: [{ matches: gives-true }, { has: { stopBy: { matches: scope }, matches: gives-true } }]
          - not:
              inside:
                stopBy: end
                follows:
                  stopBy: end
                  not: { matches: scope }
                  any: [{ matches: gives-other }, { has: { stopBy: { matches: scope }, matches: gives-other } }]
          - not:
              inside:
                stopBy: end
                matches: scope
                has: { field: parameters, has: { stopBy: end, pattern: $TB } }
rule:
  any:
    # &tls.Config{InsecureSkipVerify: true}, also with the value held in a variable or constant
    - kind: keyed_element
      all:
        - has: { field: key, regex: '^InsecureSkipVerify$' }
        - has: { field: value, any: [{ matches: on }, { has: { matches: on } }] }
    # cfg.InsecureSkipVerify = true
    - kind: assignment_statement
      all:
        - has: { field: left, regex: '\\.InsecureSkipVerify$' }
        - has: { field: right, has: { matches: on } }
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
  # md5.Sum(...), md5.New(), sha1.Sum(...), sha1.New()
  weak-hash:
    kind: call_expression
    has: { field: function, regex: '^(md5|sha1)\\.(Sum|New)$' }
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions written there).
  scope:
    any:
      - kind: function_declaration
      - kind: method_declaration
      - kind: func_literal
  # A password-named target: u.SetPassword(...), SavePasswordHash(...), u.Password = ..., User{Password: ...},
  # passwordHash := ...
  password-target:
    any:
      - { kind: identifier, matches: password-ish }
      - { kind: selector_expression, has: { field: field, matches: password-ish } }
  password-sink:
    any:
      - kind: call_expression
        has: { field: function, matches: password-target }
      - kind: assignment_statement
        has: { field: left, has: { matches: password-target } }
      - kind: short_var_declaration
        has: { field: left, has: { matches: password-target } }
      - kind: keyed_element
        has: { field: key, matches: password-ish }
  # The value handed to a password sink.
  password-sink-value:
    any:
      - inside: { kind: argument_list, inside: { kind: call_expression, matches: password-sink } }
      - inside: { field: right, any: [{ kind: assignment_statement }, { kind: short_var_declaration }], matches: password-sink }
      - inside: { field: value, kind: keyed_element, matches: password-sink }
  # A statement that gives $HO a value made by a weak hash.
  gives-hash:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $HO } } }, { has: { field: right, has: { stopBy: end, matches: weak-hash } } }]
      - kind: var_spec
        all: [{ has: { field: name, pattern: $HO } }, { has: { field: value, has: { stopBy: end, matches: weak-hash } } }]
      - kind: assignment_statement
        all: [{ has: { field: left, has: { pattern: $HO } } }, { has: { field: right, has: { stopBy: end, matches: weak-hash } } }]
  # A value made by a weak hash, directly or through a variable ($HO) a statement before it set from one:
  # \`hex.EncodeToString(sum[:])\` after \`sum := md5.Sum(b)\`, or \`h.Sum(nil)\` after \`h := sha1.New()\`.
  weak-made:
    any:
      - has: { stopBy: end, matches: weak-hash }
      - has:
          stopBy: end
          kind: identifier
          pattern: $HO
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              any: [{ matches: gives-hash }, { has: { stopBy: { matches: scope }, matches: gives-hash } }]
  gives-weak:
    any:
      - kind: short_var_declaration
        all: [{ has: { field: left, has: { pattern: $HD } } }, { has: { field: right, matches: weak-made } }]
      - kind: var_spec
        all: [{ has: { field: name, pattern: $HD } }, { has: { field: value, matches: weak-made } }]
      - kind: assignment_statement
        all: [{ has: { field: left, has: { pattern: $HD } } }, { has: { field: right, matches: weak-made } }]
  # A variable ($HD) that a statement before it gives a value made by a weak hash.
  weak-variable:
    all:
      - kind: identifier
      - pattern: $HD
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            any: [{ matches: gives-weak }, { has: { stopBy: { matches: scope }, matches: gives-weak } }]
  # A later statement that writes a password-like value into the hash object $H.
  writes-password:
    any:
      - kind: call_expression
        all:
          - has: { field: function, kind: selector_expression, all: [{ has: { field: operand, pattern: $H } }, { has: { field: field, regex: '^(Write|WriteString)$' } }] }
          - has: { field: arguments, matches: password-ish }
      - kind: call_expression
        all:
          - has: { field: function, regex: '^io\\.WriteString$' }
          - has: { field: arguments, all: [{ has: { nthChild: 1, pattern: $H } }, { has: { nthChild: 2, matches: password-ish } }] }
rule:
  any:
    - all:
        - matches: weak-hash
        - any:
            # md5.Sum([]byte(password))
            - has: { field: arguments, matches: password-ish }
            # h := md5.New(); ... h.Write([]byte(password)): the hash object is later given a password.
            - all:
                - inside:
                    kind: expression_list
                    inside: { any: [{ kind: short_var_declaration }, { kind: assignment_statement }], has: { field: left, has: { kind: identifier, pattern: $H } } }
                - inside:
                    stopBy: end
                    precedes:
                      stopBy: end
                      not: { matches: scope }
                      any: [{ matches: writes-password }, { has: { stopBy: { matches: scope }, matches: writes-password } }]
            # u.Password = hex.EncodeToString(md5.Sum(b)[:]): the digest is stored as the password.
            - inside: { stopBy: end, matches: password-sink-value }
            # ...or the hash is made inside a function whose name says it handles passwords, and is not given
            # only a literal.
            - all:
                - inside:
                    stopBy: end
                    any:
                      - kind: function_declaration
                        has: { field: name, matches: password-ish }
                      - kind: method_declaration
                        has: { field: name, matches: password-ish }
                - not:
                    has:
                      field: arguments
                      has:
                        nthChild: 1
                        any:
                          - kind: interpreted_string_literal
                          - kind: raw_string_literal
                          - kind: type_conversion_expression
                            has: { field: operand, any: [{ kind: interpreted_string_literal }, { kind: raw_string_literal }] }
    # sum := md5.Sum([]byte(pw)); ... u.SetPassword(hex.EncodeToString(sum[:])): a weak digest made on an
    # earlier line is stored or checked as a password.
    - all:
        - matches: password-sink
        - any:
            - has: { field: arguments, has: { any: [{ matches: weak-variable }, { has: { stopBy: end, matches: weak-variable } }] } }
            - has: { field: right, has: { any: [{ matches: weak-variable }, { has: { stopBy: end, matches: weak-variable } }] } }
            - has: { field: value, any: [{ matches: weak-variable }, { has: { stopBy: end, matches: weak-variable } }] }
`,"ast-grep/rules/js-child-process-exec-interpolated.yml":`id: js-child-process-exec-interpolated
language: tsx
severity: error
message: A shell runs a command that is not fixed in the source (built from interpolated or concatenated strings, or passed in a variable), so a value containing shell syntax can run other commands.
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
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_declaration
      - kind: function_expression
      - kind: arrow_function
      - kind: method_definition
      - kind: generator_function_declaration
      - kind: generator_function
      - kind: class_declaration
      - kind: class
  # A variable ($LB) that the statements before it give only literal values, and that is not a parameter of
  # a function around it: \`const cmd = 'npm test'; exec(cmd)\`.
  literal-bound:
    all:
      - kind: identifier
      - pattern: $LB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              any:
                - kind: variable_declarator
                  all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, matches: literal } }]
                - kind: assignment_expression
                  all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, matches: literal } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: variable_declarator
                    all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, not: { matches: literal } } }]
                  - kind: assignment_expression
                    all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, not: { matches: literal } } }]
                  - kind: augmented_assignment_expression
                    has: { field: left, pattern: $LB }
      - not:
          inside:
            stopBy: end
            matches: scope
            has: { field: parameters, has: { stopBy: end, pattern: $LB } }
  # A string put together at run time: a template with substitutions (not a tagged one, whose tag decides
  # how values are used), a + chain, util.format(...) or '...'.concat(...), with a part that is not fixed.
  built-string:
    any:
      - kind: template_string
        has: { kind: template_substitution, not: { has: { any: [{ matches: literal }, { matches: literal-bound }] } } }
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
                - not: { matches: literal-bound }
      - kind: call_expression
        all:
          - has: { field: function, regex: '^(util\\.)?format$|\\.concat$' }
          - has: { field: arguments, has: { not: { any: [{ matches: literal }, { matches: literal-bound }] }, any: [{ kind: identifier }, { kind: member_expression }, { kind: call_expression }, { kind: subscript_expression }, { kind: template_string }, { kind: binary_expression }] } }
  # A command fixed in the source: a literal, literals joined with +, or a variable holding only literals.
  constant:
    any:
      - matches: literal
      - matches: literal-bound
      - kind: binary_expression
        has: { field: operator, regex: '^\\+$' }
        not: { matches: built-string }
      - kind: template_string
        not: { matches: built-string }
      - kind: parenthesized_expression
        has: { matches: literal }
  # A declaration or assignment that builds $BV (or += of something not fixed), and one that sets it to
  # something not built.
  builds-variable:
    any:
      - kind: variable_declarator
        all: [{ has: { field: name, pattern: $BV } }, { has: { field: value, matches: built-string } }]
      - kind: assignment_expression
        all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, matches: built-string } }]
      - kind: augmented_assignment_expression
        all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, not: { matches: literal } } }]
  resets-variable:
    any:
      - kind: variable_declarator
        all: [{ has: { field: name, pattern: $BV } }, { has: { field: value, not: { matches: built-string } } }]
      - kind: assignment_expression
        all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, not: { matches: built-string } } }]
  # A statement before the node, in one of its enclosing blocks, that builds $BV (or a block holding one); and
  # one that unconditionally sets it to something not built.
  builds-statement:
    not: { matches: scope }
    any: [{ matches: builds-variable }, { has: { stopBy: { matches: scope }, matches: builds-variable } }]
  resets-statement:
    any:
      - { any: [{ kind: lexical_declaration }, { kind: variable_declaration }], has: { matches: resets-variable } }
      - { kind: expression_statement, has: { matches: resets-variable } }
  # A variable ($BV) built by a statement before it and not set to something else since:
  # \`const cmd = 'git log ' + ref; exec(cmd)\`.
  built-variable:
    all:
      - kind: identifier
      - pattern: $BV
      # The latest statement before the node that builds it ($BUILD: relational rules try the nearest block
      # first, and in it the nearest statement first)...
      - inside: { stopBy: end, follows: { stopBy: end, all: [{ matches: builds-statement }, { pattern: $BUILD }] } }
      # ...not followed by one that sets it to something not built (\`cmd = 'npm test'\`), in the same block or in
      # a block nearer the node.
      - not:
          any:
            - inside:
                stopBy: end
                follows: { stopBy: end, all: [{ matches: resets-statement }, { follows: { stopBy: end, pattern: $BUILD } }] }
            - inside:
                stopBy: end
                follows: { stopBy: end, matches: resets-statement }
                inside: { stopBy: end, follows: { stopBy: end, pattern: $BUILD } }
  dynamic-first-argument:
    has: { field: arguments, has: { nthChild: 1, not: { matches: constant } } }
  # The file loads a module whose exec runs a shell, so a bare exec(...) is that one.
  loads-shell-module:
    inside:
      stopBy: end
      kind: program
      has: { stopBy: end, kind: string, regex: '^[''"\`]((node:)?child_process|shelljs|execa|zx)[''"\`]$' }
  shell-option:
    kind: pair
    all:
      - has: { field: key, regex: '^[''"]?shell[''"]?$' }
      - has: { field: value, any: [{ kind: 'true' }, { kind: string }] }
  # { shell: true } in the call, or an options variable declared with it before the call.
  shell-options:
    has:
      field: arguments
      any:
        - has: { kind: object, has: { matches: shell-option } }
        - has:
            kind: identifier
            pattern: $OPTS
            inside:
              stopBy: end
              follows:
                stopBy: end
                not: { matches: scope }
                has:
                  stopBy: { matches: scope }
                  kind: variable_declarator
                  all:
                    - has: { field: name, pattern: $OPTS }
                    - has: { field: value, kind: object, has: { matches: shell-option } }
rule:
  kind: call_expression
  any:
    # exec(\`git log \${ref}\`), execSync('rm -rf ' + dir), exec(cmd) with a command from a variable or a
    # parameter, a promisified exec, child_process.exec(...), shelljs
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
        - matches: dynamic-first-argument
        # A bare exec that is handed a plain variable counts in a file that loads a shell-running module.
        - any:
            - has: { field: arguments, has: { nthChild: 1, any: [{ matches: built-string }, { matches: built-variable }] } }
            - has: { field: function, not: { kind: identifier } }
            - matches: loads-shell-module
    # spawn(cmd, { shell: true }), spawn(\`...\`, args, opts) with opts = { shell: true }: the string goes to a shell.
    - all:
        - has: { field: function, regex: '(^|\\.)(spawn|spawnSync|execFile|execFileSync|execa|execaSync)$' }
        - matches: dynamic-first-argument
        - matches: shell-options
    # spawn('sh', ['-c', \`... \${x}\`]), spawn('bash', ['-c', script])
    - all:
        - has: { field: function, regex: '(^|\\.)(spawn|spawnSync|execFile|execFileSync|execa|execaSync)$' }
        - has:
            field: arguments
            all:
              - has: { nthChild: 1, regex: '^[''"\`](/usr)?(/bin/)?(ba|da|k|z)?sh[''"\`]$' }
              - has:
                  nthChild: 2
                  kind: array
                  all:
                    - has: { regex: '^[''"\`]-c[''"\`]$' }
                    - has:
                        any: [{ kind: identifier }, { kind: member_expression }, { kind: call_expression }, { kind: subscript_expression }, { kind: template_string }, { kind: binary_expression }]
                        not: { matches: constant }
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
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_declaration
      - kind: function_expression
      - kind: arrow_function
      - kind: method_definition
      - kind: generator_function_declaration
      - kind: generator_function
      - kind: class_declaration
      - kind: class
  # A value written here that cannot carry someone else's markup: literals, empty values, sanitizer output.
  safe-value:
    any:
      - kind: string
      - kind: number
      - kind: 'null'
      - kind: undefined
      - kind: template_string
        not: { has: { kind: template_substitution } }
      - matches: sanitized
  # A variable ($SB) that the statements before it give only such values, and that is not a parameter of a
  # function around it: \`const markup = '<b>x</b>'; el.innerHTML = markup\`.
  safe-bound:
    all:
      - kind: identifier
      - pattern: $SB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              any:
                - kind: variable_declarator
                  all: [{ has: { field: name, pattern: $SB } }, { has: { field: value, matches: safe-value } }]
                - kind: assignment_expression
                  all: [{ has: { field: left, pattern: $SB } }, { has: { field: right, matches: safe-value } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: variable_declarator
                    all: [{ has: { field: name, pattern: $SB } }, { has: { field: value, not: { matches: safe-value } } }]
                  - kind: assignment_expression
                    all: [{ has: { field: left, pattern: $SB } }, { has: { field: right, not: { matches: safe-value } } }]
                  - kind: augmented_assignment_expression
                    has: { field: left, pattern: $SB }
      - not:
          inside:
            stopBy: end
            matches: scope
            has: { field: parameters, has: { stopBy: end, pattern: $SB } }
  # Markup that cannot carry someone else's HTML: safe values, variables holding only those, and + chains
  # and templates made of nothing else.
  safe-html:
    any:
      - matches: safe-value
      - matches: safe-bound
      - any:
          - kind: template_string
          - kind: parenthesized_expression
          - kind: binary_expression
            has: { field: operator, regex: '^\\+$' }
        not:
          has:
            stopBy: { matches: sanitized }
            any:
              - { kind: identifier, not: { matches: safe-bound } }
              - { kind: call_expression, not: { matches: sanitized } }
              - kind: member_expression
              - kind: subscript_expression
              - kind: new_expression
              - kind: await_expression
              - kind: this
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
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_declaration
      - kind: function_expression
      - kind: arrow_function
      - kind: method_definition
      - kind: generator_function_declaration
      - kind: generator_function
      - kind: class_declaration
      - kind: class
  # A variable ($LB) that the statements before it give only literal values, and that is not a parameter of
  # a function around it: \`const expr = '1 + 1'; eval(expr)\`.
  literal-bound:
    all:
      - kind: identifier
      - pattern: $LB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              any:
                - kind: variable_declarator
                  all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, matches: literal } }]
                - kind: assignment_expression
                  all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, matches: literal } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: variable_declarator
                    all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, not: { matches: literal } } }]
                  - kind: assignment_expression
                    all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, not: { matches: literal } } }]
                  - kind: augmented_assignment_expression
                    has: { field: left, pattern: $LB }
      - not:
          inside:
            stopBy: end
            matches: scope
            has: { field: parameters, has: { stopBy: end, pattern: $LB } }
  # Code fixed in the source: a literal, a variable holding only literals, or literals and such variables
  # joined with +.
  constant:
    any:
      - matches: literal
      - matches: literal-bound
      - any:
          - kind: parenthesized_expression
          - kind: binary_expression
            has: { field: operator, regex: '^\\+$' }
        not:
          has:
            stopBy: end
            any:
              - { kind: identifier, not: { matches: literal-bound } }
              - kind: call_expression
              - kind: member_expression
              - kind: subscript_expression
              - kind: new_expression
              - kind: await_expression
              - kind: yield_expression
              - kind: this
              - kind: binary_expression
                has: { field: operator, not: { regex: '^\\+$' } }
  built-string:
    any:
      - kind: template_string
        has: { kind: template_substitution }
      - kind: binary_expression
        has: { field: operator, regex: '^\\+$' }
        not: { matches: constant }
  # A declaration or assignment that builds $BV (or += of something not fixed), and one that sets it to
  # something not built.
  builds-variable:
    any:
      - kind: variable_declarator
        all: [{ has: { field: name, pattern: $BV } }, { has: { field: value, matches: built-string } }]
      - kind: assignment_expression
        all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, matches: built-string } }]
      - kind: augmented_assignment_expression
        all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, not: { matches: constant } } }]
  resets-variable:
    any:
      - kind: variable_declarator
        all: [{ has: { field: name, pattern: $BV } }, { has: { field: value, not: { matches: built-string } } }]
      - kind: assignment_expression
        all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, not: { matches: built-string } } }]
  # A statement before the node, in one of its enclosing blocks, that builds $BV (or a block holding one); and
  # one that unconditionally sets it to something not built.
  builds-statement:
    not: { matches: scope }
    any: [{ matches: builds-variable }, { has: { stopBy: { matches: scope }, matches: builds-variable } }]
  resets-statement:
    any:
      - { any: [{ kind: lexical_declaration }, { kind: variable_declaration }], has: { matches: resets-variable } }
      - { kind: expression_statement, has: { matches: resets-variable } }
  # A variable ($BV) built by a statement before it and not set to something else since:
  # \`const cb = 'tick(' + n + ')'; setTimeout(cb)\`.
  built-variable:
    all:
      - kind: identifier
      - pattern: $BV
      # The latest statement before the node that builds it ($BUILD: relational rules try the nearest block
      # first, and in it the nearest statement first)...
      - inside: { stopBy: end, follows: { stopBy: end, all: [{ matches: builds-statement }, { pattern: $BUILD }] } }
      # ...not followed by one that sets it to something not built (\`cb = 'tick()'\`), in the same block or in
      # a block nearer the node.
      - not:
          any:
            - inside:
                stopBy: end
                follows: { stopBy: end, all: [{ matches: resets-statement }, { follows: { stopBy: end, pattern: $BUILD } }] }
            - inside:
                stopBy: end
                follows: { stopBy: end, matches: resets-statement }
                inside: { stopBy: end, follows: { stopBy: end, pattern: $BUILD } }
  # Function(..., body) and new Function(..., body): the last argument is the body.
  dynamic-body:
    has: { field: arguments, has: { nthChild: { position: 1, reverse: true }, not: { matches: constant } } }
rule:
  any:
    # eval(code), window.eval(code), globalThis.eval(code)
    - kind: call_expression
      all:
        - has: { field: function, regex: '^((window|globalThis|global|self)\\.)?eval$' }
        - has: { field: arguments, has: { nthChild: 1, not: { matches: constant } } }
    - kind: call_expression
      all:
        - has: { field: function, regex: '^((window|globalThis|global|self)\\.)?Function$' }
        - matches: dynamic-body
    - kind: new_expression
      all:
        - has: { field: constructor, regex: '^((window|globalThis|global|self)\\.)?Function$' }
        - matches: dynamic-body
    # setTimeout("code" + x) compiles a string argument the way eval does, also when it was built earlier.
    - kind: call_expression
      all:
        - has: { field: function, regex: '^((window|globalThis|global|self)\\.)?(setTimeout|setInterval)$' }
        - has: { field: arguments, has: { nthChild: 1, any: [{ matches: built-string }, { matches: built-variable }] } }
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
  # A literal; a public key or certificate written in the source is not a secret.
  literal:
    any:
      - kind: string
      - kind: template_string
        not: { has: { kind: template_substitution } }
    not: { regex: 'BEGIN ([A-Z]+ )?PUBLIC KEY|BEGIN CERTIFICATE' }
  # A literal, or a literal fallback such as process.env.JWT_SECRET || 'dev-secret'.
  hardcoded-value:
    any:
      - matches: literal
      - kind: binary_expression
        all:
          - has: { field: operator, regex: '^(\\|\\||\\?\\?)$' }
          - has: { field: right, matches: literal }
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_declaration
      - kind: function_expression
      - kind: arrow_function
      - kind: method_definition
      - kind: generator_function_declaration
      - kind: generator_function
      - kind: class_declaration
      - kind: class
  # A constant ($HB) that the statements before it set to such a value, that nothing before it sets to
  # anything else, and that is not a parameter of a function around it: \`const SECRET = 's3cr3t'\`.
  hardcoded-bound:
    all:
      - kind: identifier
      - pattern: $HB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              any:
                - kind: variable_declarator
                  all: [{ has: { field: name, pattern: $HB } }, { has: { field: value, matches: hardcoded-value } }]
                - kind: assignment_expression
                  all: [{ has: { field: left, pattern: $HB } }, { has: { field: right, matches: hardcoded-value } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: variable_declarator
                    all: [{ has: { field: name, pattern: $HB } }, { has: { field: value, not: { matches: hardcoded-value } } }]
                  - kind: assignment_expression
                    all: [{ has: { field: left, pattern: $HB } }, { has: { field: right, not: { matches: hardcoded-value } } }]
      - not:
          inside:
            stopBy: end
            matches: scope
            has: { field: parameters, has: { stopBy: end, pattern: $HB } }
  hardcoded:
    any: [{ matches: hardcoded-value }, { matches: hardcoded-bound }]
rule:
  any:
    # jwt.sign(payload, 'secret'), jwt.verify(token, SECRET) with const SECRET = 'secret', sign/verify
    # imported from jsonwebtoken
    - kind: call_expression
      all:
        - has: { field: function, regex: '^((jwt|JWT|jsonwebtoken|jsonWebToken)\\.)?(sign|verify)$' }
        - has: { field: arguments, has: { nthChild: 2, matches: hardcoded } }
        # A bare sign(data, KEY) with a constant counts in a file that loads jsonwebtoken.
        - any:
            - has: { field: function, kind: member_expression }
            - has: { field: arguments, has: { nthChild: 2, matches: hardcoded-value } }
            - inside:
                stopBy: end
                kind: program
                has: { stopBy: end, kind: string, regex: '^[''"\`]jsonwebtoken[''"\`]$' }
    # passport-jwt: new JwtStrategy({ secretOrKey: 'secret' }, ...)
    - kind: pair
      all:
        - has: { field: key, regex: '^[''"]?(secretOrKey|secretOrPrivateKey|secretOrPublicKey)[''"]?$' }
        - has: { field: value, matches: hardcoded }
    # expressjwt({ secret: 'secret' }), JwtModule.register({ secret: SECRET })
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
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_declaration
      - kind: function_expression
      - kind: arrow_function
      - kind: method_definition
      - kind: generator_function_declaration
      - kind: generator_function
      - kind: class_declaration
      - kind: class
  # A value written here that cannot carry someone else's markup: literals, empty values, sanitizer output.
  safe-value:
    any:
      - kind: string
      - kind: number
      - kind: 'null'
      - kind: undefined
      - kind: template_string
        not: { has: { kind: template_substitution } }
      - matches: sanitized
  # A variable ($SB) that the statements before it give only such values, and that is not a parameter of a
  # function around it: \`const markup = '<b>x</b>'\`.
  safe-bound:
    all:
      - kind: identifier
      - pattern: $SB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              any:
                - kind: variable_declarator
                  all: [{ has: { field: name, pattern: $SB } }, { has: { field: value, matches: safe-value } }]
                - kind: assignment_expression
                  all: [{ has: { field: left, pattern: $SB } }, { has: { field: right, matches: safe-value } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: variable_declarator
                    all: [{ has: { field: name, pattern: $SB } }, { has: { field: value, not: { matches: safe-value } } }]
                  - kind: assignment_expression
                    all: [{ has: { field: left, pattern: $SB } }, { has: { field: right, not: { matches: safe-value } } }]
                  - kind: augmented_assignment_expression
                    has: { field: left, pattern: $SB }
      - not:
          inside:
            stopBy: end
            matches: scope
            has: { field: parameters, has: { stopBy: end, pattern: $SB } }
  # Markup that cannot carry someone else's HTML: safe values, variables holding only those, and + chains
  # and templates made of nothing else.
  safe-html:
    any:
      - matches: safe-value
      - matches: safe-bound
      - any:
          - kind: template_string
          - kind: parenthesized_expression
          - kind: binary_expression
            has: { field: operator, regex: '^\\+$' }
        not:
          has:
            stopBy: { matches: sanitized }
            any:
              - { kind: identifier, not: { matches: safe-bound } }
              - { kind: call_expression, not: { matches: sanitized } }
              - kind: member_expression
              - kind: subscript_expression
              - kind: new_expression
              - kind: await_expression
              - kind: this
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
message: A SQL statement is built by concatenation, formatting or template interpolation, so a value containing quotes or SQL can change the query.
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
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_declaration
      - kind: function_expression
      - kind: arrow_function
      - kind: method_definition
      - kind: generator_function_declaration
      - kind: generator_function
      - kind: class_declaration
      - kind: class
  # A variable ($LB) that the statements before it give only literal values, and that is not a parameter of
  # a function around it: \`const TABLE = 'users'\`.
  literal-bound:
    all:
      - kind: identifier
      - pattern: $LB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              any:
                - kind: variable_declarator
                  all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, matches: literal } }]
                - kind: assignment_expression
                  all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, matches: literal } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: variable_declarator
                    all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, not: { matches: literal } } }]
                  - kind: assignment_expression
                    all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, not: { matches: literal } } }]
                  - kind: augmented_assignment_expression
                    has: { field: left, pattern: $LB }
      - not:
          inside:
            stopBy: end
            matches: scope
            has: { field: parameters, has: { stopBy: end, pattern: $LB } }
  fixed:
    any: [{ matches: literal }, { matches: literal-bound }]
  # A string put together at run time: a template with substitutions (not a tagged one such as sql\`...\`,
  # whose tag turns values into parameters), a + chain, util.format(...) or '...'.concat(...), with a part
  # that is neither a literal nor a variable holding one.
  built-string:
    any:
      - kind: template_string
        has: { kind: template_substitution, not: { has: { matches: fixed } } }
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
                - not: { matches: literal-bound }
      - kind: call_expression
        all:
          - has:
              field: function
              any:
                - regex: '^(util\\.)?format$'
                - kind: member_expression
                  all:
                    - has: { field: property, regex: '^concat$' }
                    - has: { field: object, any: [{ kind: string }, { kind: template_string }] }
          - has:
              field: arguments
              has:
                any: [{ kind: identifier }, { kind: member_expression }, { kind: call_expression }, { kind: subscript_expression }, { kind: template_string }, { kind: binary_expression }]
                not: { matches: fixed }
  plus:
    kind: binary_expression
    has: { field: operator, regex: '^\\+$' }
  # Text that starts like a statement (after util.format's parenthesis). Keywords in one case only, so UI
  # text ("Select a file from") is not SQL.
  sql-text:
    regex: '^((util\\.)?format\\(\\s*)?[''"\`]\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)'
  # A call that runs SQL text: a method only SQL clients have, or a generic name (execute, raw, unsafe,
  # literal) on an object named like a database handle.
  query-call:
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
  # The first argument of such a call.
  query-argument:
    nthChild: 1
    inside: { kind: arguments, inside: { matches: query-call } }
  sql-name:
    regex: '^(sql|SQL|stmt)([A-Z_0-9]\\w*)?$|^\\w*[a-z0-9](Sql|SQL|Stmt)([A-Z_0-9]\\w*)?$|^\\w*_(sql|SQL|stmt)(_\\w*)?$'
  # A declaration or assignment that builds $BV (or += of something not fixed), and one that sets it to
  # something not built.
  builds-variable:
    any:
      - kind: variable_declarator
        all: [{ has: { field: name, pattern: $BV } }, { has: { field: value, matches: built-string } }]
      - kind: assignment_expression
        all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, matches: built-string } }]
      - kind: augmented_assignment_expression
        all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, not: { matches: fixed } } }]
  resets-variable:
    any:
      - kind: variable_declarator
        all: [{ has: { field: name, pattern: $BV } }, { has: { field: value, not: { matches: built-string } } }]
      - kind: assignment_expression
        all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, not: { matches: built-string } } }]
  # A statement before the node, in one of its enclosing blocks, that builds $BV (or a block holding one); and
  # one that unconditionally sets it to something not built.
  builds-statement:
    not: { matches: scope }
    any: [{ matches: builds-variable }, { has: { stopBy: { matches: scope }, matches: builds-variable } }]
  resets-statement:
    any:
      - { any: [{ kind: lexical_declaration }, { kind: variable_declaration }], has: { matches: resets-variable } }
      - { kind: expression_statement, has: { matches: resets-variable } }
  # A variable ($BV) built by a statement before it and not set to something else since:
  # \`const q = 'SELECT ... ' + id; db.query(q)\`.
  built-variable:
    all:
      - any: [{ kind: identifier }, { kind: shorthand_property_identifier }]
      - pattern: $BV
      # The latest statement before the node that builds it ($BUILD: relational rules try the nearest block
      # first, and in it the nearest statement first)...
      - inside: { stopBy: end, follows: { stopBy: end, all: [{ matches: builds-statement }, { pattern: $BUILD }] } }
      # ...not followed by one that sets it to something not built (\`q = 'SELECT 1'\`), in the same block or in
      # a block nearer the node.
      - not:
          any:
            - inside:
                stopBy: end
                follows: { stopBy: end, all: [{ matches: resets-statement }, { follows: { stopBy: end, pattern: $BUILD } }] }
            - inside:
                stopBy: end
                follows: { stopBy: end, matches: resets-statement }
                inside: { stopBy: end, follows: { stopBy: end, pattern: $BUILD } }
rule:
  any:
    - all:
        - any:
            - kind: template_string
            - kind: binary_expression
            - kind: call_expression
              has: { field: function, regex: '^(util\\.)?format$|\\.concat$' }
        # Report a + chain once, at its outermost expression.
        - not:
            any:
              - inside: { matches: plus }
              - inside: { kind: parenthesized_expression, inside: { matches: plus } }
        # Where the text goes or what it says first (cheap), then whether it is built (looks at variables).
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
        - matches: built-string
    # The statement was built on an earlier line and is run here: \`db.query(q)\`, \`pool.query({ text: q })\`.
    - all:
        - matches: query-call
        - has:
            field: arguments
            has:
              nthChild: 1
              any:
                - matches: built-variable
                - kind: object
                  has:
                    any:
                      - kind: pair
                        all:
                          - has: { field: key, regex: '^[''"]?(text|sql)[''"]?$' }
                          - has: { field: value, matches: built-variable }
                      - all:
                          - kind: shorthand_property_identifier
                          - regex: '^(text|sql)$'
                          - matches: built-variable
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
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_declaration
      - kind: function_expression
      - kind: arrow_function
      - kind: method_definition
      - kind: generator_function_declaration
      - kind: generator_function
      - kind: class_declaration
      - kind: class
  # \`false\`, or a variable ($FB) that the statements before it set only to false and that is not a
  # parameter of a function around it: \`const rejectUnauthorized = false; https.get(url, { rejectUnauthorized })\`.
  off:
    any:
      - kind: 'false'
      - all:
          - any: [{ kind: identifier }, { kind: shorthand_property_identifier }]
          - pattern: $FB
          - inside:
              stopBy: end
              follows:
                stopBy: end
                not: { matches: scope }
                has:
                  stopBy: { matches: scope }
                  any:
                    - kind: variable_declarator
                      all: [{ has: { field: name, pattern: $FB } }, { has: { field: value, kind: 'false' } }]
                    - kind: assignment_expression
                      all: [{ has: { field: left, pattern: $FB } }, { has: { field: right, kind: 'false' } }]
          - not:
              inside:
                stopBy: end
                follows:
                  stopBy: end
                  not: { matches: scope }
                  has:
                    stopBy: { matches: scope }
                    any:
                      - kind: variable_declarator
                        all: [{ has: { field: name, pattern: $FB } }, { has: { field: value, not: { kind: 'false' } } }]
                      - kind: assignment_expression
                        all: [{ has: { field: left, pattern: $FB } }, { has: { field: right, not: { kind: 'false' } } }]
          - not:
              inside:
                stopBy: end
                matches: scope
                has: { field: parameters, has: { stopBy: end, pattern: $FB } }
rule:
  any:
    # { rejectUnauthorized: false } (https, tls, pg, ...), { strictSSL: false } (request), also with the
    # value held in a variable, or shorthand \`{ rejectUnauthorized }\`
    - kind: pair
      all:
        - has: { field: key, regex: '^[''"]?(rejectUnauthorized|strictSSL)[''"]?$' }
        - has: { field: value, matches: off }
    - all:
        - kind: shorthand_property_identifier
        - regex: '^(rejectUnauthorized|strictSSL)$'
        - matches: off
    - kind: assignment_expression
      all:
        - has: { field: left, kind: member_expression, has: { field: property, regex: '^(rejectUnauthorized|strictSSL)$' } }
        - has: { field: right, matches: off }
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
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_declaration
      - kind: function_expression
      - kind: arrow_function
      - kind: method_definition
      - kind: generator_function_declaration
      - kind: generator_function
      - kind: class_declaration
      - kind: class
  # A variable ($LB) that the statements before it give only literal values, and that is not a parameter of
  # a function around it: \`const SRC = 'x + 1'; new vm.Script(SRC)\`.
  literal-bound:
    all:
      - kind: identifier
      - pattern: $LB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              any:
                - kind: variable_declarator
                  all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, matches: literal } }]
                - kind: assignment_expression
                  all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, matches: literal } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: variable_declarator
                    all: [{ has: { field: name, pattern: $LB } }, { has: { field: value, not: { matches: literal } } }]
                  - kind: assignment_expression
                    all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, not: { matches: literal } } }]
                  - kind: augmented_assignment_expression
                    has: { field: left, pattern: $LB }
      - not:
          inside:
            stopBy: end
            matches: scope
            has: { field: parameters, has: { stopBy: end, pattern: $LB } }
  # Code fixed in the source: a literal, a variable holding only literals, or literals and such variables
  # joined with +.
  constant:
    any:
      - matches: literal
      - matches: literal-bound
      - any:
          - kind: parenthesized_expression
          - kind: binary_expression
            has: { field: operator, regex: '^\\+$' }
        not:
          has:
            stopBy: end
            any:
              - { kind: identifier, not: { matches: literal-bound } }
              - kind: call_expression
              - kind: member_expression
              - kind: subscript_expression
              - kind: new_expression
              - kind: await_expression
              - kind: yield_expression
              - kind: this
              - kind: binary_expression
                has: { field: operator, not: { regex: '^\\+$' } }
  dynamic-first-argument:
    has: { field: arguments, has: { nthChild: 1, not: { matches: constant } } }
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
  # Where a variable's value can come from: the statements before a node in its enclosing blocks (not
  # the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_declaration
      - kind: function_expression
      - kind: arrow_function
      - kind: method_definition
      - kind: generator_function_declaration
      - kind: generator_function
      - kind: class_declaration
      - kind: class
  # A password-named target: user.setPassword(...), savePasswordHash(...), user.password = ..., { password: ... }.
  password-sink:
    any:
      - kind: call_expression
        has:
          field: function
          any:
            - { kind: identifier, matches: password-ish }
            - { kind: member_expression, has: { field: property, matches: password-ish } }
      - kind: assignment_expression
        has:
          field: left
          any:
            - { kind: identifier, matches: password-ish }
            - { kind: member_expression, has: { field: property, matches: password-ish } }
      - kind: pair
        has: { field: key, matches: password-ish }
      - kind: variable_declarator
        has: { field: name, matches: password-ish }
  # The value handed to a password sink.
  password-sink-value:
    any:
      - inside: { kind: arguments, inside: { kind: call_expression, matches: password-sink } }
      - inside: { field: right, kind: assignment_expression, matches: password-sink }
      - inside: { field: value, kind: pair, matches: password-sink }
      - inside: { field: value, kind: variable_declarator, matches: password-sink }
  # A value made by a weak hash, directly or through a hash object ($HO) that a statement before it made:
  # \`createHash('md5').update(x).digest('hex')\`, or \`h.digest('hex')\` after \`const h = createHash('sha1')\`.
  weak-made:
    any:
      - matches: weak-hash
      - has: { stopBy: end, matches: weak-hash }
      - has:
          stopBy: end
          kind: identifier
          pattern: $HO
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                kind: variable_declarator
                all:
                  - has: { field: name, pattern: $HO }
                  - has: { field: value, any: [{ matches: weak-hash }, { has: { stopBy: end, matches: weak-hash } }] }
  # A variable ($HD) that a statement before it gives a value made by a weak hash.
  weak-variable:
    all:
      - kind: identifier
      - pattern: $HD
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              any:
                - kind: variable_declarator
                  all: [{ has: { field: name, pattern: $HD } }, { has: { field: value, matches: weak-made } }]
                - kind: assignment_expression
                  all: [{ has: { field: left, pattern: $HD } }, { has: { field: right, matches: weak-made } }]
rule:
  any:
    - all:
        - matches: weak-hash
        - any:
            # createHash('md5').update(password): the hash object's update call takes a password-like value.
            - inside:
                kind: member_expression
                has: { field: property, regex: '^update$' }
                inside:
                  kind: call_expression
                  has: { field: arguments, has: { nthChild: 1, matches: password-ish } }
            # const h = createHash('sha1'); ... h.update(password): the hash object is later given a password.
            - all:
                - inside: { kind: variable_declarator, has: { field: name, pattern: $H } }
                - inside:
                    stopBy: end
                    precedes:
                      stopBy: end
                      not: { matches: scope }
                      has:
                        stopBy: { matches: scope }
                        kind: call_expression
                        all:
                          - has: { field: function, kind: member_expression, all: [{ has: { field: object, pattern: $H } }, { has: { field: property, regex: '^update$' } }] }
                          - has: { field: arguments, has: { nthChild: 1, matches: password-ish } }
            # user.password = createHash('md5').update(x).digest('hex'): the digest is stored as the password.
            - inside: { stopBy: end, matches: password-sink-value }
            # ...or the hash is made inside a function whose name says it handles passwords, and is not given
            # only a literal.
            - all:
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
                - not:
                    inside:
                      kind: member_expression
                      has: { field: property, regex: '^update$' }
                      inside:
                        kind: call_expression
                        has:
                          field: arguments
                          has:
                            nthChild: 1
                            any: [{ kind: string }, { kind: template_string, not: { has: { kind: template_substitution } } }]
    # const digest = createHash('md5').update(pw).digest('hex'); ... user.setPassword(digest): a weak digest
    # made on an earlier line is stored or checked as a password.
    - all:
        - matches: password-sink
        - any:
            - has: { field: arguments, has: { matches: weak-variable } }
            - has: { field: arguments, has: { stopBy: end, kind: call_expression, has: { field: function, kind: member_expression, has: { field: object, matches: weak-variable } } } }
            - has: { field: right, any: [{ matches: weak-variable }, { has: { stopBy: end, matches: weak-variable } }] }
            - has: { field: value, any: [{ matches: weak-variable }, { has: { stopBy: end, matches: weak-variable } }] }
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
      - kind: integer
      - kind: float
      - kind: 'true'
      - kind: 'false'
      - kind: none
  # Where a variable's value can come from: the statements before a node in its enclosing blocks and the
  # module (not the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_definition
      - kind: class_definition
      - kind: lambda
  # A variable ($LB) that the statements before it give only literal values, and that is not a parameter of
  # a function around it: \`CMD = "make build"\`.
  literal-bound:
    all:
      - kind: identifier
      - pattern: $LB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              kind: assignment
              all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, matches: literal } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: assignment
                    all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, not: { matches: literal } } }]
                  - kind: augmented_assignment
                    has: { field: left, pattern: $LB }
                  - kind: for_statement
                    has: { field: left, pattern: $LB }
      - not:
          inside:
            stopBy: end
            kind: function_definition
            has: { field: parameters, has: { stopBy: end, pattern: $LB } }
  # A value fixed in the source: a literal, a variable holding only literals, or an expression, list or
  # tuple made of nothing else ("ls " + "-la", ["ls", "-l"]).
  constant:
    any:
      - matches: literal
      - matches: literal-bound
      - any:
          - kind: binary_operator
          - kind: parenthesized_expression
          - kind: list
          - kind: tuple
          - kind: string
          - kind: concatenated_string
        not:
          has:
            stopBy: end
            any:
              - { kind: identifier, not: { matches: literal-bound } }
              - kind: call
              - kind: attribute
              - kind: subscript
              - kind: await
              - kind: list_splat
              - kind: dictionary_splat
rule:
  kind: call
  all:
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
    # Checked last: looking for where a variable got its value walks the enclosing blocks.
    - has: { field: arguments, has: { nthChild: 1, not: { matches: constant } } }
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
  # Where a variable's value can come from: the statements before a node in its enclosing blocks and the
  # module (not the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_definition
      - kind: class_definition
      - kind: lambda
  # A constant ($HB) that the statements before it set to a hard-coded value, that nothing before it sets to
  # anything else, and that is not a parameter of a function around it: \`SECRET = "s3cr3t"\`. A name such
  # as JWT_SECRET is reported where it is assigned, so it is left out here.
  hardcoded-bound:
    all:
      - kind: identifier
      - not: { matches: secret-name }
      - pattern: $HB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              kind: assignment
              all: [{ has: { field: left, pattern: $HB } }, { has: { field: right, matches: hardcoded } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: assignment
                    all: [{ has: { field: left, pattern: $HB } }, { has: { field: right, not: { matches: hardcoded } } }]
                  - kind: augmented_assignment
                    has: { field: left, pattern: $HB }
      - not:
          inside:
            stopBy: end
            kind: function_definition
            has: { field: parameters, has: { stopBy: end, pattern: $HB } }
  secret-name: { regex: '(?i)jwt_?secret(_?key)?[''"]?\\]?$' }
  key:
    any: [{ matches: hardcoded }, { matches: hardcoded-bound }]
rule:
  any:
    # jwt.encode(payload, "secret", algorithm="HS256"), jwt.decode(token, SECRET, ...) with SECRET = "secret",
    # key="secret"
    - kind: call
      all:
        - has: { field: function, regex: '^(\\w+\\.)?jwt\\.(encode|decode)$' }
        - has:
            field: arguments
            any:
              - has: { nthChild: 2, matches: key }
              - has:
                  kind: keyword_argument
                  all:
                    - has: { field: name, regex: '^key$' }
                    - has: { field: value, matches: key }
    # app.config["JWT_SECRET_KEY"] = "secret", JWT_SECRET = "secret" (Flask-JWT-Extended, settings modules)
    - kind: assignment
      all:
        - has: { field: left, matches: secret-name }
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
      - kind: integer
      - kind: float
      - kind: 'true'
      - kind: 'false'
      - kind: none
  # Where a variable's value can come from: the statements before a node in its enclosing blocks and the
  # module (not the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_definition
      - kind: class_definition
      - kind: lambda
  # A variable ($LB) that the statements before it give only literal values, and that is not a parameter of
  # a function around it: \`CMD = "make build"\`.
  literal-bound:
    all:
      - kind: identifier
      - pattern: $LB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              kind: assignment
              all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, matches: literal } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: assignment
                    all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, not: { matches: literal } } }]
                  - kind: augmented_assignment
                    has: { field: left, pattern: $LB }
                  - kind: for_statement
                    has: { field: left, pattern: $LB }
      - not:
          inside:
            stopBy: end
            kind: function_definition
            has: { field: parameters, has: { stopBy: end, pattern: $LB } }
  # A value fixed in the source: a literal, a variable holding only literals, or an expression, list or
  # tuple made of nothing else ("ls " + "-la", ["ls", "-l"]).
  constant:
    any:
      - matches: literal
      - matches: literal-bound
      - any:
          - kind: binary_operator
          - kind: parenthesized_expression
          - kind: list
          - kind: tuple
          - kind: string
          - kind: concatenated_string
        not:
          has:
            stopBy: end
            any:
              - { kind: identifier, not: { matches: literal-bound } }
              - kind: call
              - kind: attribute
              - kind: subscript
              - kind: await
              - kind: list_splat
              - kind: dictionary_splat
rule:
  kind: call
  all:
    - has:
        field: function
        regex: '^(os\\.(system|popen[234]?)|(subprocess|commands)\\.(getoutput|getstatusoutput)|asyncio\\.create_subprocess_shell)$'
    - not: { has: { field: arguments, has: { nthChild: 1, matches: constant } } }
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
utils:
  loader-module: { regex: '^((c|_)?pickle|cPickle|dill|cloudpickle|marshal|jsonpickle|joblib|pandas)$' }
  loader-name: { regex: '^(loads?|Unpickler|decode|read_pickle)$' }
  # A name ($LOADER) the module imports from a pickle-like module: \`from pickle import loads\`,
  # \`from dill import load as restore\`.
  imported-loader:
    all:
      - kind: identifier
      - pattern: $LOADER
      # An import at the top of the module (a direct child, so the check does not read the whole file).
      - inside:
          stopBy: end
          kind: module
          has:
            kind: import_from_statement
            all:
              - has: { field: module_name, matches: loader-module }
              - has:
                  any:
                    - kind: dotted_name
                      matches: loader-name
                      has: { kind: identifier, pattern: $LOADER }
                    - kind: aliased_import
                      all:
                        - has: { field: name, matches: loader-name }
                        - has: { field: alias, pattern: $LOADER }
  # A module alias ($MOD) for a pickle-like module: \`import pickle as pk\`.
  module-alias:
    all:
      - kind: identifier
      - pattern: $MOD
      - inside:
          stopBy: end
          kind: module
          has:
            kind: import_statement
            has:
              kind: aliased_import
              all:
                - has: { field: name, matches: loader-module }
                - has: { field: alias, pattern: $MOD }
rule:
  kind: call
  all:
    - has:
        field: function
        any:
          - regex: '^(((c|_)?pickle|cPickle|dill|cloudpickle)\\.(loads?|Unpickler)|marshal\\.loads?|jsonpickle\\.(decode|loads)|(pd|pandas)\\.read_pickle|joblib\\.load)$'
          - matches: imported-loader
          - kind: attribute
            all:
              - has: { field: object, matches: module-alias }
              - has: { field: attribute, matches: loader-name }
    # Bytes written in the source (pickle.loads(b"\\x80...")) are the author's own data, not someone else's.
    - not:
        all:
          - has: { field: function, regex: '(^|\\.)(loads|decode)$' }
          - has:
              field: arguments
              has:
                nthChild: 1
                any:
                  - kind: string
                    not: { has: { kind: interpolation } }
                  - kind: concatenated_string
                    not: { has: { stopBy: end, kind: interpolation } }
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
      - kind: 'true'
      - kind: 'false'
      - kind: none
  # Where a variable's value can come from: the statements before a node in its enclosing blocks and the
  # module (not the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_definition
      - kind: class_definition
      - kind: lambda
  # A variable ($LB) that the statements before it give only literal values, and that is not a parameter of
  # a function around it: \`CMD = "make build"\`.
  literal-bound:
    all:
      - kind: identifier
      - pattern: $LB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              kind: assignment
              all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, matches: literal } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: assignment
                    all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, not: { matches: literal } } }]
                  - kind: augmented_assignment
                    has: { field: left, pattern: $LB }
                  - kind: for_statement
                    has: { field: left, pattern: $LB }
      - not:
          inside:
            stopBy: end
            kind: function_definition
            has: { field: parameters, has: { stopBy: end, pattern: $LB } }
  # A value fixed in the source: a literal, a variable holding only literals, or an expression, list or
  # tuple made of nothing else ("users", ("a", 1)).
  constant:
    any:
      - matches: literal
      - matches: literal-bound
      - any:
          - kind: binary_operator
          - kind: parenthesized_expression
          - kind: list
          - kind: tuple
          - kind: string
          - kind: concatenated_string
        not:
          has:
            stopBy: end
            any:
              - { kind: identifier, not: { matches: literal-bound } }
              - kind: call
              - kind: attribute
              - kind: subscript
              - kind: await
              - kind: list_splat
              - kind: dictionary_splat
  fixed:
    any: [{ matches: literal }, { matches: literal-bound }]
  # A field of an f-string whose value is not fixed in the source.
  open-interpolation:
    kind: interpolation
    has: { field: expression, not: { matches: fixed } }
  # A string put together at run time: an f-string with fields, a + chain, "..." % values or
  # "...".format(...), with a part that is neither a literal nor a variable holding one.
  built-string:
    any:
      - kind: string
        has: { matches: open-interpolation }
        not: { inside: { kind: concatenated_string } }
      - kind: concatenated_string
        has: { stopBy: end, matches: open-interpolation }
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
                - not: { matches: literal-bound }
      - kind: binary_operator
        all:
          - has: { field: operator, regex: '^%$' }
          - has: { field: left, any: [{ kind: string }, { kind: concatenated_string }] }
          - has: { field: right, not: { matches: constant } }
      - kind: call
        all:
          - has:
              field: function
              kind: attribute
              all:
                - has: { field: object, any: [{ kind: string }, { kind: concatenated_string }] }
                - has: { field: attribute, regex: '^format$' }
          - has:
              field: arguments
              any:
                - has: { not: { any: [{ kind: keyword_argument }, { matches: constant }] }, any: [{ kind: identifier }, { kind: call }, { kind: attribute }, { kind: subscript }, { kind: binary_operator }, { kind: string }, { kind: list_splat }, { kind: dictionary_splat }, { kind: conditional_expression }] }
                - has: { kind: keyword_argument, has: { field: value, not: { matches: constant } } }
  plus:
    kind: binary_operator
    has: { field: operator, regex: '^\\+$' }
  # Text that starts like a statement. Keywords in one case only, so UI text ("Select a file from") is not SQL.
  sql-text:
    regex: '^[rRbBuUfF]{0,2}(|"""|''|")\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)'
  # A call whose name says it runs SQL text.
  query-call:
    kind: call
    has:
      field: function
      regex: '(^|\\.)(execute|executemany|executescript|mogrify|raw|read_sql|read_sql_query)$|^(sqlalchemy\\.|sa\\.)?text$'
  # The first argument of such a call.
  query-argument:
    nthChild: 1
    inside: { kind: argument_list, inside: { matches: query-call } }
  sql-name:
    regex: '^(sql|SQL|stmt|STMT)(_\\w*)?$|^\\w*_(sql|SQL|stmt|STMT)(_\\w*)?$'
  # An assignment that builds $BV (or += of something not fixed), and one that sets it to something not built.
  builds-variable:
    any:
      - kind: assignment
        all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, matches: built-string } }]
      - kind: augmented_assignment
        all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, not: { matches: constant } } }]
  resets-variable:
    kind: assignment
    all: [{ has: { field: left, pattern: $BV } }, { has: { field: right, not: { matches: built-string } } }]
  # A statement before the node, in one of its enclosing blocks, that builds $BV (or a block holding one); and
  # one that unconditionally sets it to something not built.
  builds-statement:
    not: { matches: scope }
    any: [{ matches: builds-variable }, { has: { stopBy: { matches: scope }, matches: builds-variable } }]
  resets-statement:
    kind: expression_statement
    has: { matches: resets-variable }
  # A variable ($BV) built by a statement before it and not set to something else since:
  # \`q = "SELECT ... %s" % uid; cur.execute(q)\`.
  built-variable:
    all:
      - kind: identifier
      - pattern: $BV
      # The latest statement before the node that builds it ($BUILD: relational rules try the nearest block
      # first, and in it the nearest statement first)...
      - inside: { stopBy: end, follows: { stopBy: end, all: [{ matches: builds-statement }, { pattern: $BUILD }] } }
      # ...not followed by one that sets it to something not built (\`q = 'SELECT 1'\`), in the same block or in
      # a block nearer the node.
      - not:
          any:
            - inside:
                stopBy: end
                follows: { stopBy: end, all: [{ matches: resets-statement }, { follows: { stopBy: end, pattern: $BUILD } }] }
            - inside:
                stopBy: end
                follows: { stopBy: end, matches: resets-statement }
                inside: { stopBy: end, follows: { stopBy: end, pattern: $BUILD } }
rule:
  any:
    - all:
        - any: [{ kind: string }, { kind: concatenated_string }, { kind: binary_operator }, { kind: call }]
        # Report a + chain once, at its outermost expression.
        - not:
            any:
              - inside: { matches: plus }
              - inside: { kind: parenthesized_expression, inside: { matches: plus } }
        # Where the text goes or what it says first (cheap), then whether it is built (looks at variables).
        - any:
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
        - matches: built-string
    # The statement was built on an earlier line and is run here: \`cursor.execute(q)\`.
    - all:
        - matches: query-call
        - has: { field: arguments, has: { nthChild: 1, matches: built-variable } }
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
      - kind: integer
      - kind: float
      - kind: 'true'
      - kind: 'false'
      - kind: none
  # Where a variable's value can come from: the statements before a node in its enclosing blocks and the
  # module (not the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_definition
      - kind: class_definition
      - kind: lambda
  # A variable ($LB) that the statements before it give only literal values, and that is not a parameter of
  # a function around it: \`CMD = "make build"\`.
  literal-bound:
    all:
      - kind: identifier
      - pattern: $LB
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              kind: assignment
              all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, matches: literal } }]
      - not:
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                any:
                  - kind: assignment
                    all: [{ has: { field: left, pattern: $LB } }, { has: { field: right, not: { matches: literal } } }]
                  - kind: augmented_assignment
                    has: { field: left, pattern: $LB }
                  - kind: for_statement
                    has: { field: left, pattern: $LB }
      - not:
          inside:
            stopBy: end
            kind: function_definition
            has: { field: parameters, has: { stopBy: end, pattern: $LB } }
  # A value fixed in the source: a literal, a variable holding only literals, or an expression, list or
  # tuple made of nothing else ("ls " + "-la", ["ls", "-l"]).
  constant:
    any:
      - matches: literal
      - matches: literal-bound
      - any:
          - kind: binary_operator
          - kind: parenthesized_expression
          - kind: list
          - kind: tuple
          - kind: string
          - kind: concatenated_string
        not:
          has:
            stopBy: end
            any:
              - { kind: identifier, not: { matches: literal-bound } }
              - kind: call
              - kind: attribute
              - kind: subscript
              - kind: await
              - kind: list_splat
              - kind: dictionary_splat
  # True, or a variable that the statements before it set only to True: \`use_shell = True\`.
  on:
    any:
      - kind: 'true'
      - all:
          - kind: identifier
          - pattern: $TB
          - inside:
              stopBy: end
              follows:
                stopBy: end
                not: { matches: scope }
                has:
                  stopBy: { matches: scope }
                  kind: assignment
                  all: [{ has: { field: left, pattern: $TB } }, { has: { field: right, kind: 'true' } }]
          - not:
              inside:
                stopBy: end
                follows:
                  stopBy: end
                  not: { matches: scope }
                  has:
                    stopBy: { matches: scope }
                    kind: assignment
                    all: [{ has: { field: left, pattern: $TB } }, { has: { field: right, not: { kind: 'true' } } }]
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
            - has: { field: value, matches: on }
    # A fixed command (a literal, a list starting with one, a variable holding one) gives the shell nothing to
    # misread.
    - has:
        field: arguments
        any:
          - has:
              nthChild: 1
              not:
                any:
                  - kind: keyword_argument
                  - matches: constant
                  # ["ls", path]: the shell runs the first item; the rest become its $0, $1, ... and are not parsed.
                  - { kind: list, has: { nthChild: 1, matches: constant } }
          - has:
              kind: keyword_argument
              all:
                - has: { field: name, regex: '^args$' }
                - has: { field: value, not: { matches: constant } }
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
utils:
  # Where a variable's value can come from: the statements before a node in its enclosing blocks and the
  # module (not the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_definition
      - kind: class_definition
      - kind: lambda
  # False, or a variable ($FB) that the statements before it set only to False and that is not a parameter
  # of a function around it: \`VERIFY_TLS = False\`.
  off:
    any:
      - kind: 'false'
      - all:
          - kind: identifier
          - pattern: $FB
          - inside:
              stopBy: end
              follows:
                stopBy: end
                not: { matches: scope }
                has:
                  stopBy: { matches: scope }
                  kind: assignment
                  all: [{ has: { field: left, pattern: $FB } }, { has: { field: right, kind: 'false' } }]
          - not:
              inside:
                stopBy: end
                follows:
                  stopBy: end
                  not: { matches: scope }
                  has:
                    stopBy: { matches: scope }
                    kind: assignment
                    all: [{ has: { field: left, pattern: $FB } }, { has: { field: right, not: { kind: 'false' } } }]
          - not:
              inside:
                stopBy: end
                kind: function_definition
                has: { field: parameters, has: { stopBy: end, pattern: $FB } }
rule:
  any:
    # requests.get(url, verify=False), httpx.Client(verify=VERIFY) with VERIFY = False, ...
    - kind: keyword_argument
      all:
        - has: { field: name, regex: '^verify$' }
        - has: { field: value, matches: off }
    # session.verify = False (requests.Session)
    - kind: assignment
      all:
        - has: { field: left, kind: attribute, has: { field: attribute, regex: '^verify$' } }
        - has: { field: right, matches: off }
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
        - has: { field: right, matches: off }
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
  # hashlib.md5(...), hashlib.new("sha1", ...), md5(...) imported from hashlib, cryptography's hashes.MD5(),
  # pycryptodome's MD5.new(...)
  weak-hash:
    kind: call
    any:
      - has: { field: function, regex: '^(hashlib\\.)?(md5|sha1|md4)$' }
      - all:
          - has: { field: function, regex: '^hashlib\\.new$' }
          - has: { field: arguments, has: { nthChild: 1, regex: '^[rbuRBU]?[''"](?i:md4|md5|sha1|sha-1)[''"]$' } }
      - has: { field: function, regex: '^(\\w+\\.)*hashes\\.(MD5|SHA1)$' }
      - has: { field: function, regex: '^(Crypto\\.Hash\\.)?(MD5|MD4|SHA|SHA1)\\.new$' }
  # Where a variable's value can come from: the statements before a node in its enclosing blocks and the
  # module (not the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_definition
      - kind: class_definition
      - kind: lambda
  # A password-named target: user.set_password(...), user.password = ..., row["password"] = ...,
  # User(password=...), {"password": ...}.
  password-target:
    any:
      - { kind: identifier, matches: password-ish }
      - { kind: attribute, has: { field: attribute, matches: password-ish } }
      - { kind: subscript, has: { field: subscript, kind: string, matches: password-ish } }
  password-sink:
    any:
      - kind: call
        has: { field: function, matches: password-target }
      - kind: assignment
        has: { field: left, matches: password-target }
      - kind: keyword_argument
        has: { field: name, matches: password-ish }
      - kind: pair
        has: { field: key, kind: string, matches: password-ish }
  # The value handed to a password sink.
  password-sink-value:
    any:
      - inside: { kind: argument_list, inside: { kind: call, matches: password-sink } }
      - inside: { field: right, kind: assignment, matches: password-sink }
      - inside: { field: value, kind: keyword_argument, matches: password-sink }
      - inside: { field: value, kind: pair, matches: password-sink }
  # A value made by a weak hash, directly or through a hash object ($HO) a statement before it made:
  # \`hashlib.md5(x).hexdigest()\`, or \`h.hexdigest()\` after \`h = hashlib.sha1()\`.
  weak-made:
    any:
      - matches: weak-hash
      - has: { stopBy: end, matches: weak-hash }
      - has:
          stopBy: end
          kind: identifier
          pattern: $HO
          inside:
            stopBy: end
            follows:
              stopBy: end
              not: { matches: scope }
              has:
                stopBy: { matches: scope }
                kind: assignment
                all:
                  - has: { field: left, pattern: $HO }
                  - has: { field: right, any: [{ matches: weak-hash }, { has: { stopBy: end, matches: weak-hash } }] }
  # A variable ($HD) that a statement before it gives a value made by a weak hash.
  weak-variable:
    all:
      - kind: identifier
      - pattern: $HD
      - inside:
          stopBy: end
          follows:
            stopBy: end
            not: { matches: scope }
            has:
              stopBy: { matches: scope }
              kind: assignment
              all: [{ has: { field: left, pattern: $HD } }, { has: { field: right, matches: weak-made } }]
rule:
  any:
    - all:
        - matches: weak-hash
        - any:
            # hashlib.md5(password.encode()), hashlib.new("sha1", pwd)
            - has: { field: arguments, matches: password-ish }
            # h = hashlib.md5(); ... h.update(password.encode()): the hash object is later given a password.
            - all:
                - inside: { stopBy: end, kind: assignment, has: { field: left, kind: identifier, pattern: $H } }
                - inside:
                    stopBy: end
                    precedes:
                      stopBy: end
                      not: { matches: scope }
                      has:
                        stopBy: { matches: scope }
                        kind: call
                        all:
                          - has: { field: function, kind: attribute, all: [{ has: { field: object, pattern: $H } }, { has: { field: attribute, regex: '^update$' } }] }
                          - has: { field: arguments, matches: password-ish }
            # user.password = hashlib.md5(x).hexdigest(): the digest is stored as the password.
            - inside: { stopBy: end, matches: password-sink-value }
            # ...or the hash is made inside a function whose name says it handles passwords, and is not given
            # only a literal.
            - all:
                - inside:
                    stopBy: end
                    kind: function_definition
                    has: { field: name, matches: password-ish }
                - not:
                    has:
                      field: arguments
                      has:
                        nthChild: 1
                        any:
                          - kind: string
                            not: { has: { kind: interpolation } }
                          - kind: concatenated_string
                            not: { has: { stopBy: end, kind: interpolation } }
    # digest = hashlib.md5(pw).hexdigest(); ... user.set_password(digest): a weak digest made on an earlier
    # line is stored or checked as a password.
    - all:
        - matches: password-sink
        - any:
            - has: { field: arguments, has: { any: [{ matches: weak-variable }, { has: { stopBy: end, matches: weak-variable } }] } }
            - has: { field: right, any: [{ matches: weak-variable }, { has: { stopBy: end, matches: weak-variable } }] }
            - has: { field: value, any: [{ matches: weak-variable }, { has: { stopBy: end, matches: weak-variable } }] }
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
  safe-loader-name: { regex: '(^|\\.)(C?SafeLoader|C?BaseLoader)$' }
  # Where a variable's value can come from: the statements before a node in its enclosing blocks and the
  # module (not the bodies of other functions or classes written there).
  scope:
    any:
      - kind: function_definition
      - kind: class_definition
      - kind: lambda
  # yaml.SafeLoader, or a variable ($SL) that the statements before it set only to a safe loader.
  safe-loader:
    any:
      - matches: safe-loader-name
      - all:
          - kind: identifier
          - pattern: $SL
          - inside:
              stopBy: end
              follows:
                stopBy: end
                not: { matches: scope }
                has:
                  stopBy: { matches: scope }
                  kind: assignment
                  all: [{ has: { field: left, pattern: $SL } }, { has: { field: right, matches: safe-loader-name } }]
          - not:
              inside:
                stopBy: end
                follows:
                  stopBy: end
                  not: { matches: scope }
                  has:
                    stopBy: { matches: scope }
                    kind: assignment
                    all: [{ has: { field: left, pattern: $SL } }, { has: { field: right, not: { matches: safe-loader-name } } }]
  # The yaml module under another name ($MOD): \`import yaml as y\`.
  yaml-alias:
    all:
      - kind: identifier
      - pattern: $MOD
      # An import at the top of the module (a direct child, so the check does not read the whole file).
      - inside:
          stopBy: end
          kind: module
          has:
            kind: import_statement
            has:
              kind: aliased_import
              all:
                - has: { field: name, regex: '^yaml$' }
                - has: { field: alias, pattern: $MOD }
  # A name ($FN) imported from yaml: \`from yaml import load\`, \`from yaml import unsafe_load as ul\`; NAMES
  # below narrows it by the imported name.
  yaml-import:
    kind: import_from_statement
    has: { field: module_name, regex: '^yaml$' }
  unsafe-name: { regex: '^(unsafe_load|unsafe_load_all|full_load|full_load_all)$' }
  load-name: { regex: '^(load|load_all)$' }
  unsafe-function:
    any:
      - regex: '^yaml\\.(unsafe_load|unsafe_load_all|full_load|full_load_all)$'
      - kind: attribute
        all: [{ has: { field: object, matches: yaml-alias } }, { has: { field: attribute, matches: unsafe-name } }]
      - kind: identifier
        pattern: $FN
        inside:
          stopBy: end
          kind: module
          has:
            matches: yaml-import
            has:
              any:
                - { kind: dotted_name, matches: unsafe-name, has: { kind: identifier, pattern: $FN } }
                - { kind: aliased_import, all: [{ has: { field: name, matches: unsafe-name } }, { has: { field: alias, pattern: $FN } }] }
  load-function:
    any:
      - regex: '^yaml\\.(load|load_all)$'
      - kind: attribute
        all: [{ has: { field: object, matches: yaml-alias } }, { has: { field: attribute, matches: load-name } }]
      - kind: identifier
        pattern: $FN
        inside:
          stopBy: end
          kind: module
          has:
            matches: yaml-import
            has:
              any:
                - { kind: dotted_name, matches: load-name, has: { kind: identifier, pattern: $FN } }
                - { kind: aliased_import, all: [{ has: { field: name, matches: load-name } }, { has: { field: alias, pattern: $FN } }] }
rule:
  kind: call
  all:
    - any:
        - has: { field: function, matches: unsafe-function }
        - all:
            - has: { field: function, matches: load-function }
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
    # A document written in the source (yaml.load("a: 1")) is the author's own.
    - not:
        has:
          field: arguments
          has:
            nthChild: 1
            any:
              - kind: string
                not: { has: { kind: interpolation } }
              - kind: concatenated_string
                not: { has: { stopBy: end, kind: interpolation } }
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
# A value that reaches a sink from elsewhere in the file is followed the way the ast-grep rules follow it, with
# what semgrep offers: constant propagation (on by default: a variable or module constant set to a literal
# matches "...", so \`const SECRET = 'x'; jwt.sign(p, SECRET)\` is caught and \`cmd = 'ls'; os.system(cmd)\` is
# not), symbolic propagation (\`options: symbolic_propagation\`: \`q = "SELECT " + id; db.query(q)\` matches the
# pattern for the inline string, and a later \`q = "SELECT 1"\` replaces it), pattern-inside sequences
# (\`$H = createHash(...)\` ... \`$H.update(password)\`, \`q += ...\` in a branch) and import resolution
# (\`from pickle import loads as unpickle\`).
rules:
  # ---------------------------------------------------------------- JavaScript / TypeScript
  - id: js-child-process-exec-interpolated
    languages: [javascript, typescript]
    severity: ERROR
    message: "A shell runs a command that is not fixed in the source (built from interpolated or concatenated strings, or passed in a variable), so a value containing shell syntax can run other commands."
    metadata:
      cwe:
        - "CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"
      agentgate-severity: critical
      fix: "Run the program without a shell, with execFile or spawn and an argument array, and validate the values you pass."
    options:
      # \`cmd = 'git log ' + ref; exec(cmd)\` matches the patterns written for \`exec('git log ' + ref)\`.
      symbolic_propagation: true
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
      # exec(cmd) with a command from a variable or a parameter, in a file that loads child_process; a
      # variable holding a literal is a constant to semgrep, so "..." leaves it out.
      - patterns:
          - pattern-either:
              - pattern-inside: |
                  $M = require("$MOD")
                  ...
              - pattern-inside: |
                  import $M from "$MOD"
                  ...
              - pattern-inside: |
                  import { $F } from "$MOD"
                  ...
          - metavariable-regex:
              metavariable: $MOD
              regex: ^['"]?(node:)?(child_process|shelljs|execa|zx)['"]?$
          - pattern: $EXEC($CMD, ...)
          - metavariable-regex:
              metavariable: $EXEC
              regex: ^(exec|execSync|execAsync|execPromise|execP|execPromised|execaCommand|execaCommandSync|(util\\.)?promisify\\(([\\w.]+\\.)?exec\\))$
          - pattern-not: $EXEC("...", ...)
      # child_process.exec(...), cp.execSync(cmd), require('child_process').exec(...), shelljs
      - patterns:
          - pattern: $CP.$METHOD($CMD, ...)
          - pattern-not: $CP.$METHOD("...", ...)
          - metavariable-regex:
              metavariable: $METHOD
              regex: ^(exec|execSync)$
          - metavariable-regex:
              metavariable: $CP
              regex: (?i)^(.*child_?process|cp$|proc$|shell(js)?$)
      # spawn(cmd, { shell: true }) hands the string to a shell too, also with the options in a variable
      - patterns:
          - pattern-either:
              - pattern: '$SPAWN($CMD, ..., {..., shell: $SH, ...})'
              - patterns:
                  - pattern-inside: |
                      $OPTS = {..., shell: $SH, ...}
                      ...
                  - pattern: $SPAWN($CMD, ..., $OPTS)
          - metavariable-regex:
              metavariable: $SPAWN
              regex: ^(.*\\.)?(spawn|spawnSync|execFile|execFileSync|execa|execaSync)$
          - metavariable-pattern:
              metavariable: $SH
              pattern-either:
                - pattern: "true"
                - pattern: '"..."'
          - pattern-not: $SPAWN("...", ...)
      # spawn('sh', ['-c', script]) with a script that is not a literal
      - patterns:
          - pattern: '$SPAWN("=~/^\\S*\\b(ba|da|k|z)?sh$/", [..., "-c", $SCRIPT, ...], ...)'
          - pattern-not: '$SPAWN("=~/^\\S*\\b(ba|da|k|z)?sh$/", [..., "-c", "...", ...], ...)'
          - metavariable-regex:
              metavariable: $SPAWN
              regex: ^(.*\\.)?(spawn|spawnSync|execFile|execFileSync|execa|execaSync)$
  - id: js-dom-html-injection
    languages: [javascript, typescript]
    severity: ERROR
    message: "HTML that is not a literal is written into the page (innerHTML, outerHTML, insertAdjacentHTML or document.write), so any markup or script it carries runs in the page."
    metadata:
      cwe:
        - "CWE-79: Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
      agentgate-severity: high
      fix: "Set textContent or build elements with createElement, or pass the markup through a sanitizer such as DOMPurify.sanitize first."
    options:
      # \`html = '<b>' + name; el.innerHTML = html\`: the HTML is checked as the value it holds.
      symbolic_propagation: true
    patterns:
      - pattern-either:
          - pattern: $EL.innerHTML = $HTML
          - pattern: $EL.outerHTML = $HTML
          - pattern: $EL.innerHTML += $HTML
          - pattern: $EL.outerHTML += $HTML
          - pattern: $EL.insertAdjacentHTML($POS, $HTML)
          - pattern: document.write($HTML, ...)
          - pattern: document.writeln($HTML, ...)
      # Literal markup, a constant holding it (semgrep propagates constants), empty values, sanitizer output.
      - pattern-not: $EL.innerHTML = "..."
      - pattern-not: $EL.outerHTML = "..."
      - pattern-not: $EL.innerHTML += "..."
      - pattern-not: $EL.insertAdjacentHTML($POS, "...")
      - pattern-not: document.write("...", ...)
      - pattern-not: document.writeln("...", ...)
      - metavariable-regex:
          metavariable: $HTML
          regex: |-
            ^(?!("[^"]*"|'[^']*'|\`[^\`$]*\`|null|undefined)$)(?![\\w.]*(?i:sanitize|purify|escape)\\w*\\()
      # ...nor a variable set from a sanitizer before it
      - pattern-not-inside: |
          $HTML = $PURIFIER.sanitize(...)
          ...
      - pattern-not-inside: |
          $HTML = sanitize(...)
          ...
      - pattern-not-inside: |
          $HTML = escapeHtml(...)
          ...
  - id: js-eval-dynamic
    languages: [javascript, typescript]
    severity: ERROR
    message: "Code is evaluated from a string that is not a literal, so whoever shapes that string can run arbitrary code."
    metadata:
      cwe:
        - "CWE-95: Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')"
      agentgate-severity: critical
      fix: "Do not evaluate strings as code; parse data with JSON.parse and dispatch to known functions instead."
    options:
      # \`cb = 'refresh(' + id + ')'; setTimeout(cb)\` matches the patterns written for the inline string.
      symbolic_propagation: true
    pattern-either:
      # eval(code): not a literal, nor a constant holding one (semgrep propagates constants)
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
          - pattern-not: $TIMER("...", ...)
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
    # A variable set to a literal is a constant to semgrep, so "..." below also matches
    # \`const SECRET = 'x'; jwt.sign(p, SECRET)\`; the pattern-inside forms say so for readers and for a
    # secret written as \`process.env.X || 'dev'\`.
    pattern-either:
      - patterns:
          - pattern-either:
              - pattern: $JWT.sign($PAYLOAD, "...", ...)
              - pattern: $JWT.verify($TOKEN, "...", ...)
              - pattern: $JWT.sign($PAYLOAD, $ENV || "...", ...)
              - pattern: $JWT.verify($TOKEN, $ENV || "...", ...)
              - pattern: $JWT.sign($PAYLOAD, $ENV ?? "...", ...)
              - pattern: $JWT.verify($TOKEN, $ENV ?? "...", ...)
              - patterns:
                  - pattern-either:
                      - pattern-inside: |
                          $SECRET = "..."
                          ...
                      - pattern-inside: |
                          $SECRET = $ENV || "..."
                          ...
                      - pattern-inside: |
                          $SECRET = $ENV ?? "..."
                          ...
                  - pattern-either:
                      - pattern: $JWT.sign($PAYLOAD, $SECRET, ...)
                      - pattern: $JWT.verify($TOKEN, $SECRET, ...)
          - metavariable-regex:
              metavariable: $JWT
              regex: ^(jwt|JWT|jsonwebtoken|jsonWebToken)$
          - pattern-not: $JWT.verify($TOKEN, "=~/BEGIN ([A-Z]+ )?PUBLIC KEY|BEGIN CERTIFICATE/", ...)
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
    options:
      symbolic_propagation: true
    patterns:
      - pattern-either:
          - pattern: <$EL ... dangerouslySetInnerHTML={$HTML} />
          - pattern: '{dangerouslySetInnerHTML: $HTML}'
      - pattern-not: '<$EL ... dangerouslySetInnerHTML={{__html: "..."}} />'
      - pattern-not: '{dangerouslySetInnerHTML: {__html: "..."}}'
      - metavariable-regex:
          metavariable: $HTML
          regex: |-
            ^(?!\\{\\s*['"]?__html['"]?\\s*:\\s*("[^"]*"|'[^']*'|\`[^\`$]*\`|[\\w.]*(?i:sanitize|purify|escape)\\w*\\([\\s\\S]*\\))\\s*,?\\s*\\}$)
  - id: js-sql-string-concat
    languages: [javascript, typescript]
    severity: ERROR
    message: "A SQL statement is built by concatenation, formatting or template interpolation, so a value containing quotes or SQL can change the query."
    metadata:
      cwe:
        - "CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"
      agentgate-severity: high
      fix: "Pass values as bind parameters (query('... WHERE id = $1', [id])) or use a tagged sql template, never by string building."
    options:
      # \`q = 'SELECT ... ' + id; db.query(q)\` matches the patterns written for the inline string.
      symbolic_propagation: true
    pattern-either:
      # a built string passed to a method only SQL clients have
      - patterns:
          - pattern-either:
              - pattern: $DB.$METHOD(\`...\${...}...\`, ...)
              - pattern: $DB.$METHOD("..." + ..., ...)
              - pattern: $DB.$METHOD($X + ..., ...)
              - pattern: $DB.$METHOD(util.format("...", ...), ...)
              - pattern: $DB.$METHOD("...".concat(...), ...)
              # pg's query config object: pool.query({ text, values })
              - pattern: '$DB.$METHOD({..., text: \`...\${...}...\`, ...}, ...)'
              - pattern: '$DB.$METHOD({..., text: "..." + $X, ...}, ...)'
              # ...or extended with += on an earlier line, also in an if or a loop (a string built in one statement
              # before is matched above through symbolic propagation, which also sees a later reset to a literal)
              - patterns:
                  - pattern-inside: |
                      $Q += $PART
                      ...
                  - pattern: $DB.$METHOD($Q, ...)
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
              - pattern: $DB.$METHOD(util.format("...", ...), ...)
              # ...or extended with += on an earlier line, also in an if or a loop (a string built in one statement
              # before is matched above through symbolic propagation, which also sees a later reset to a literal)
              - patterns:
                  - pattern-inside: |
                      $Q += $PART
                      ...
                  - pattern: $DB.$METHOD($Q, ...)
          - pattern-not: $DB.$METHOD("...", ...)
          - metavariable-regex:
              metavariable: $METHOD
              regex: ^(execute|raw|unsafe|literal)$
          - metavariable-regex:
              metavariable: $DB
              regex: (?i)^(.*[._])?(db|database|knex|sql|sequelize|pool|conn|connection|client|trx|tx|prisma|pg|mysql|sqlite|postgres)$
      # SQL-shaped text built anywhere (a constant in the template or after + is folded into a literal)
      - patterns:
          - pattern: '\`$SQL\${...}...\`'
          - pattern-not: '"..."'
          - metavariable-regex:
              metavariable: $SQL
              regex: |-
                ^[\`'"]?\\s*(SELECT|select|INSERT\\s+(IGNORE\\s+)?INTO|insert\\s+(ignore\\s+)?into|UPDATE|update|DELETE\\s+FROM|delete\\s+from|REPLACE\\s+INTO|replace\\s+into|MERGE\\s+INTO|merge\\s+into)\\s
      - patterns:
          - pattern-either:
              - pattern: '"$SQL" + $X'
              - pattern: util.format("$SQL", ..., $X, ...)
              - pattern: '"$SQL".concat(..., $X, ...)'
          - pattern-not: '"..."'
          - pattern-not: util.format("...", ..., "...")
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
          # ...unless it is made of constants only (semgrep folds them into a literal)
          - pattern-not: $NAME = "..."
  - id: js-tls-verify-disabled
    languages: [javascript, typescript]
    severity: ERROR
    message: "TLS certificate verification is turned off, so anyone on the network path can impersonate the server and read or change the traffic."
    metadata:
      cwe:
        - "CWE-295: Improper Certificate Validation"
      agentgate-severity: high
      fix: "Keep certificate verification on; to trust a private CA, pass its certificate with the ca option or NODE_EXTRA_CA_CERTS."
    # false held in a variable or constant is a constant to semgrep, so \`{ rejectUnauthorized: VERIFY }\` with
    # \`const VERIFY = false\`, and the shorthand \`{ rejectUnauthorized }\` after \`const rejectUnauthorized =
    # false\`, match the patterns written with false.
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
      # a literal, or a constant holding one (semgrep propagates constants), gives the code no one else's text
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
      # const h = createHash('md5'); ... h.update(password): the hash object is later given a password
      - patterns:
          - pattern-either:
              - pattern-inside: |
                  $H = $CRYPTO.createHash("$ALG")
                  ...
                  $H.update($DATA, ...)
              - pattern-inside: |
                  $H = createHash("$ALG")
                  ...
                  $H.update($DATA, ...)
          - pattern-either:
              - pattern: $CRYPTO.createHash("$ALG")
              - pattern: createHash("$ALG")
          - metavariable-regex:
              metavariable: $ALG
              regex: |-
                ^[\`'"]?(?i:md4|md5|sha1|sha-1|ripemd160|rmd160)[\`'"]?$
          - metavariable-regex:
              metavariable: $DATA
              regex: (?i).*(passw(or)?d|passwd|pwd|passphrase)
      # a weak digest written straight into a password-named call, field or key
      - patterns:
          - pattern-either:
              - pattern: $OBJ.$PW(..., $V, ...)
              - pattern: $OBJ.$PW = $V
              - pattern: '{..., $PW: $V, ...}'
          - metavariable-regex:
              metavariable: $PW
              regex: (?i)^.*(passw(or)?d|passwd|pwd|passphrase)
          - metavariable-pattern:
              metavariable: $V
              pattern-either:
                - pattern: <... $CRYPTO.createHash("=~/^(?i:md4|md5|sha1|sha-1|ripemd160|rmd160)$/") ...>
                - pattern: <... createHash("=~/^(?i:md4|md5|sha1|sha-1|ripemd160|rmd160)$/") ...>
          - focus-metavariable: $V
      # ...or made on an earlier line, directly or through a hash object, and stored or checked as a password
      - patterns:
          - pattern-either:
              - pattern-inside: |
                  $D = <... $CRYPTO.createHash("$ALG") ...>
                  ...
              - pattern-inside: |
                  $D = <... createHash("$ALG") ...>
                  ...
              - pattern-inside: |
                  $H = <... $CRYPTO.createHash("$ALG") ...>
                  ...
                  $D = <... $H ...>
                  ...
              - pattern-inside: |
                  $H = <... createHash("$ALG") ...>
                  ...
                  $D = <... $H ...>
                  ...
          - pattern-either:
              - pattern: $OBJ.$PW(..., <... $D ...>, ...)
              - pattern: $OBJ.$PW = <... $D ...>
              - pattern: '{..., $PW: <... $D ...>, ...}'
          - metavariable-regex:
              metavariable: $ALG
              regex: |-
                ^[\`'"]?(?i:md4|md5|sha1|sha-1|ripemd160|rmd160)[\`'"]?$
          - metavariable-regex:
              metavariable: $PW
              regex: (?i)^.*(passw(or)?d|passwd|pwd|passphrase)
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
          - pattern-not-inside: $CRYPTO.createHash("$ALG").update("...", ...)
          - pattern-not-inside: createHash("$ALG").update("...", ...)
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
    # A variable set to a literal is a constant to semgrep, so "..." also leaves out \`EXPR = "1 + 2"; eval(EXPR)\`;
    # a value built on an earlier line, or read from input, is not, and is reported.
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
    # A module constant set to a literal is a constant to semgrep, so "..." also matches
    # \`SECRET = "x"; jwt.encode(p, SECRET)\`; the pattern-inside forms say so for readers and cover a literal
    # fallback held in a variable.
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
              - pattern-inside: |
                  $SECRET = "..."
                  ...
              - pattern-inside: |
                  $SECRET = os.environ.get($NAME, "...")
                  ...
              - pattern-inside: |
                  $SECRET = os.getenv($NAME, "...")
                  ...
              - pattern-inside: |
                  $SECRET = $ENV or "..."
                  ...
          - pattern-either:
              - pattern: jwt.encode($PAYLOAD, $SECRET, ...)
              - pattern: jwt.decode($TOKEN, $SECRET, ...)
              - pattern: jwt.encode(..., key=$SECRET, ...)
              - pattern: jwt.decode(..., key=$SECRET, ...)
          # JWT_SECRET = "..." is reported where it is assigned (below).
          - metavariable-regex:
              metavariable: $SECRET
              regex: (?i)^(?!.*jwt_?secret(_?key)?$)
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
    # A constant command (a literal, literals joined, or a variable set to one) is folded into "..." by
    # semgrep's constant propagation, so only commands not fixed in the source are reported.
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
    # semgrep resolves imports, so \`from pickle import loads as unpickle; unpickle(data)\` and
    # \`import dill as dl; dl.load(f)\` match these patterns too.
    patterns:
      - pattern-either:
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
          - pattern: jsonpickle.loads(...)
          - pattern: pandas.read_pickle(...)
          - pattern: joblib.load(...)
      # Bytes written in the source are the author's own data.
      - pattern-not: $MODULE.loads("...", ...)
      - pattern-not: jsonpickle.decode("...", ...)
  - id: py-sql-string-concat
    languages: [python]
    severity: ERROR
    message: "A SQL statement is built with an f-string, +, % or .format(), so a value containing quotes or SQL can change the query."
    metadata:
      cwe:
        - "CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"
      agentgate-severity: high
      fix: "Pass values as query parameters, e.g. cursor.execute(\\"SELECT * FROM t WHERE id = %s\\", (id,)), never by string building."
    options:
      # \`q = "SELECT ... %s" % uid; cur.execute(q)\` matches the patterns written for the inline string.
      symbolic_propagation: true
    pattern-either:
      # a built string passed to a call that runs SQL text (a constant folded into it leaves it a literal)
      - patterns:
          - pattern-either:
              - pattern: $DB.$METHOD(f"...{...}...", ...)
              - pattern: $DB.$METHOD("..." % ..., ...)
              - pattern: $DB.$METHOD("...".format(...), ...)
              - pattern: $DB.$METHOD("..." + $X, ...)
              - pattern: $DB.$METHOD($X + "...", ...)
              # ...or extended with += on an earlier line, also in an if or a loop (a string built in one statement
              # before is matched above through symbolic propagation, which also sees a later reset to a literal)
              - patterns:
                  - pattern-inside: |
                      $Q += $PART
                      ...
                  - pattern: $DB.$METHOD($Q, ...)
          - pattern-not: $DB.$METHOD("...", ...)
          - pattern-not: $DB.$METHOD("..." % ("...", ...), ...)
          - pattern-not: $DB.$METHOD("...".format("...", ...), ...)
          - metavariable-regex:
              metavariable: $METHOD
              regex: ^(execute|executemany|executescript|mogrify|raw|read_sql|read_sql_query)$
      - patterns:
          - pattern-either:
              - pattern: sqlalchemy.text(f"...{...}...")
              - pattern: sqlalchemy.text("..." % ...)
              - pattern: sqlalchemy.text("...".format(...))
          - pattern-not: sqlalchemy.text("...")
      # SQL-shaped text built anywhere
      - patterns:
          - pattern-either:
              - pattern: '"$SQL" % $X'
              - pattern: '"$SQL".format(...)'
          - pattern-not: '"..." % ("...", ...)'
          - pattern-not: '"...".format("...", ...)'
          - pattern-not: '"..."'
          - metavariable-regex:
              metavariable: $SQL
              regex: |-
                ^[rRbBuUfF]{0,2}['"]*\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)
      - patterns:
          - pattern: '"$SQL" + $X'
          - pattern-not: '"..."'
          - metavariable-regex:
              metavariable: $SQL
              regex: |-
                ^[rRbBuUfF]{0,2}['"]*\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)
          - metavariable-regex:
              metavariable: $X
              regex: |-
                ^(?![rRbBuU]?["'])
      - patterns:
          - pattern-regex: |-
              \\b[fF][rR]?['"]{1,3}\\s*(SELECT|select|INSERT\\s+INTO|insert\\s+into|UPDATE|update|DELETE\\s+FROM|delete\\s+from)\\s[^\\n]*\\{[^{]
          # an f-string whose only fields are constants (f"... {TABLE}") is folded into a literal
          - pattern-not: '"..."'
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
    # shell=True held in a variable is a constant to semgrep and matches shell=True; so does a command held
    # in a constant, which the pattern-nots leave out.
    patterns:
      - pattern: subprocess.$FUNC(..., shell=True, ...)
      - metavariable-regex:
          metavariable: $FUNC
          regex: ^(run|call|check_call|check_output|Popen)$
      - pattern-not: subprocess.$FUNC("...", ..., shell=True, ...)
      - pattern-not: subprocess.$FUNC(["...", ...], ..., shell=True, ...)
      - pattern-not: subprocess.$FUNC(..., args="...", ..., shell=True, ...)
  - id: py-tls-verify-disabled
    languages: [python]
    severity: ERROR
    message: "TLS certificate verification is turned off, so anyone on the network path can impersonate the server and read or change the traffic."
    metadata:
      cwe:
        - "CWE-295: Improper Certificate Validation"
      agentgate-severity: high
      fix: "Keep verification on; to trust a private CA, pass its bundle with verify=\\"/path/to/ca.pem\\" or load it into an ssl.SSLContext."
    # verify=False held in a variable or module constant is a constant to semgrep and matches verify=False.
    pattern-either:
      - pattern: $FUNC(..., verify=False, ...)
      - pattern: $SESSION.verify = False
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
      # h = hashlib.md5(); ... h.update(password.encode()): the hash object is later given a password
      - patterns:
          - pattern-inside: |
              $H = $WEAK
              ...
              $H.update($DATA, ...)
          - metavariable-pattern:
              metavariable: $WEAK
              pattern-either:
                - pattern: hashlib.md5(...)
                - pattern: hashlib.sha1(...)
                - pattern: hashlib.new("=~/^(?i:md4|md5|sha1|sha-1)$/", ...)
                - pattern: hashes.Hash(hashes.MD5(), ...)
                - pattern: hashes.Hash(hashes.SHA1(), ...)
          - focus-metavariable: $WEAK
          - metavariable-regex:
              metavariable: $DATA
              regex: (?i).*(passw(or)?d|passwd|pwd|passphrase)
      # a weak digest written straight into a password-named call, attribute, key or keyword
      - patterns:
          - pattern-either:
              - pattern: $OBJ.$PW(..., $V, ...)
              - pattern: $OBJ.$PW = $V
              - pattern: $CALL(..., $PW=$V, ...)
          - metavariable-regex:
              metavariable: $PW
              regex: (?i)^.*(passw(or)?d|passwd|pwd|passphrase)
          - metavariable-pattern:
              metavariable: $V
              pattern-either:
                - pattern: <... hashlib.md5(...) ...>
                - pattern: <... hashlib.sha1(...) ...>
                - pattern: <... hashes.MD5() ...>
                - pattern: <... hashes.SHA1() ...>
          - focus-metavariable: $V
      # ...or made on an earlier line, directly or through a hash object, and stored or checked as a password
      - patterns:
          - pattern-either:
              - pattern-inside: |
                  $D = $WEAK
                  ...
              - pattern-inside: |
                  $H = $WEAK
                  ...
                  $D = <... $H ...>
                  ...
          - metavariable-pattern:
              metavariable: $WEAK
              pattern-either:
                - pattern: <... hashlib.md5(...) ...>
                - pattern: <... hashlib.sha1(...) ...>
                - pattern: <... hashlib.new("=~/^(?i:md4|md5|sha1|sha-1)$/", ...) ...>
                - pattern: <... hashes.MD5() ...>
                - pattern: <... hashes.SHA1() ...>
          - pattern-either:
              - pattern: $OBJ.$PW(..., <... $D ...>, ...)
              - pattern: $OBJ.$PW = <... $D ...>
              - pattern: $CALL(..., $PW=<... $D ...>, ...)
          - metavariable-regex:
              metavariable: $PW
              regex: (?i)^.*(passw(or)?d|passwd|pwd|passphrase)
      # ...or the hash is made inside a function whose name says it handles passwords, from more than a literal
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
          - pattern-not: hashlib.$HASH("...", ...)
  - id: py-yaml-unsafe-load
    languages: [python]
    severity: ERROR
    message: "YAML is loaded without a safe Loader, so a document can construct arbitrary Python objects and run code."
    metadata:
      cwe:
        - "CWE-502: Deserialization of Untrusted Data"
      agentgate-severity: high
      fix: "Use yaml.safe_load(data), or yaml.load(data, Loader=yaml.SafeLoader)."
    options:
      # \`SAFE = yaml.SafeLoader; yaml.load(doc, Loader=SAFE)\` matches the pattern-nots written for SafeLoader.
      symbolic_propagation: true
    # semgrep resolves imports, so \`from yaml import load\` and \`import yaml as y\` match these patterns too.
    pattern-either:
      - pattern: yaml.unsafe_load(...)
      - pattern: yaml.unsafe_load_all(...)
      - pattern: yaml.full_load(...)
      - pattern: yaml.full_load_all(...)
      - patterns:
          - pattern-either:
              - pattern: yaml.load(...)
              - pattern: yaml.load_all(...)
          - pattern-not: yaml.$LOAD(..., Loader=yaml.SafeLoader, ...)
          - pattern-not: yaml.$LOAD(..., Loader=yaml.CSafeLoader, ...)
          - pattern-not: yaml.$LOAD(..., Loader=yaml.BaseLoader, ...)
          - pattern-not: yaml.$LOAD(..., Loader=yaml.CBaseLoader, ...)
          - pattern-not: yaml.$LOAD($DATA, yaml.SafeLoader)
          - pattern-not: yaml.$LOAD($DATA, yaml.CSafeLoader)
          - pattern-not: yaml.$LOAD($DATA, yaml.BaseLoader)
          - pattern-not: yaml.$LOAD($DATA, yaml.CBaseLoader)
          # a document written in the source is the author's own
          - pattern-not: yaml.$LOAD("...", ...)
  # ---------------------------------------------------------------- Go
  - id: go-exec-sh-concat
    languages: [go]
    severity: ERROR
    message: "exec.Command runs a shell (sh -c) on a command that is not fixed in the source (built by concatenation or fmt.Sprintf, or passed in a variable), so a value containing shell syntax can run other commands."
    metadata:
      cwe:
        - "CWE-78: Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"
      agentgate-severity: critical
      fix: "Call the program directly with separate arguments, e.g. exec.Command(\\"git\\", \\"checkout\\", branch), and validate the values you pass."
    # A command held in a constant (const script = "make build", or a local set to a literal) is folded into
    # "..." by semgrep's constant propagation and left out; one built or passed in a variable is reported.
    patterns:
      - pattern-either:
          - pattern: exec.Command("=~/^\\S*\\b(ba|da|k|z)?sh$/", "-c", $CMD, ...)
          - pattern: exec.CommandContext($CTX, "=~/^\\S*\\b(ba|da|k|z)?sh$/", "-c", $CMD, ...)
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
      # token.SignedString([]byte("secret")); a constant inside []byte(...) is folded into "..."
      - pattern: $TOKEN.SignedString([]byte("..."))
      # key := []byte(secret); ... token.SignedString(key), or the key function returns it
      - patterns:
          - pattern-either:
              - pattern-inside: |
                  $LOCALKEY := []byte("...")
                  ...
              - pattern-inside: |
                  var $LOCALKEY = []byte("...")
                  ...
              - pattern-inside: |
                  $LOCALKEY = []byte("...")
                  ...
          - pattern-either:
              - pattern: $TOKEN.SignedString($LOCALKEY)
              - patterns:
                  - pattern-either:
                      - pattern-inside: jwt.Parse(...)
                      - pattern-inside: jwt.ParseWithClaims(...)
                  - pattern: return $LOCALKEY, nil
          # jwtKey, signingKey, ... are reported where they are declared (below).
          - metavariable-regex:
              metavariable: $LOCALKEY
              regex: (?i)^(?!.*(jwt|signing_?key|hmac_?(key|secret)))
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
    options:
      # \`q := "SELECT ... " + id; db.Query(q)\` matches the patterns written for the inline string.
      symbolic_propagation: true
    pattern-either:
      # a built string passed to a database/sql, sqlx, pgx or gorm call that runs SQL text; a constant folded
      # into it leaves it a literal
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
          - pattern-not: $DB.$METHOD(fmt.Sprintf("...", "..."), ...)
      # ...or extended with += on an earlier line, also in an if or a loop, and run here (a string built in one
      # statement before is matched above through symbolic propagation, which also sees a later reset)
      - patterns:
          - pattern-inside: |
              $Q += $PART
              ...
          - pattern-either:
              - pattern: $DB.$METHOD($Q, ...)
              - pattern: $DB.$METHOD($CTX, $Q, ...)
          - metavariable-regex:
              metavariable: $METHOD
              regex: ^(Query|QueryRow|QueryContext|QueryRowContext|Exec|ExecContext|Prepare|PrepareContext|Queryx|QueryRowx|QueryxContext|QueryRowxContext|MustExec|NamedExec|NamedQuery|Raw)$
          - pattern-not: $DB.$METHOD("...", ...)
          - pattern-not: $DB.$METHOD($CTX, "...", ...)
      # SQL-shaped text built anywhere
      - patterns:
          - pattern: fmt.Sprintf("$SQL", ...)
          - pattern-not: fmt.Sprintf("...", "...")
          - metavariable-regex:
              metavariable: $SQL
              regex: |-
                ^[\`"]?\\s*(SELECT\\s[\\s\\S]*\\sFROM\\s|select\\s[\\s\\S]*\\sfrom\\s|INSERT\\s+(IGNORE\\s+)?INTO\\s|insert\\s+(ignore\\s+)?into\\s|UPDATE\\s+\\S+\\s+SET\\s|update\\s+\\S+\\s+set\\s|DELETE\\s+FROM\\s|delete\\s+from\\s|REPLACE\\s+INTO\\s|replace\\s+into\\s|MERGE\\s+INTO\\s|merge\\s+into\\s)
      - patterns:
          - pattern: '"$SQL" + $X'
          - pattern-not: '"..."'
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
    # true held in a variable or constant is a constant to semgrep, so \`InsecureSkipVerify: skip\` after
    # \`skip := true\` matches the patterns written with true.
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
      # h := md5.New(); ... h.Write([]byte(password)): the hash object is later given a password
      - patterns:
          - pattern-either:
              - pattern-inside: |
                  $HASH := $NEW()
                  ...
                  $HASH.Write($DATA)
              - pattern-inside: |
                  $HASH := $NEW()
                  ...
                  io.WriteString($HASH, $DATA)
          - pattern: $NEW()
          - metavariable-regex:
              metavariable: $NEW
              regex: ^(md5|sha1)\\.New$
          - metavariable-regex:
              metavariable: $DATA
              regex: (?i).*(passw(or)?d|passwd|pwd|passphrase)
      # a weak digest written straight into a password-named call, field or struct key
      - patterns:
          - pattern-either:
              - pattern: $OBJ.$PW(..., $V, ...)
              - pattern: $OBJ.$PW = $V
              - pattern: '$TYPE{..., $PW: $V, ...}'
          - metavariable-regex:
              metavariable: $PW
              regex: (?i)^.*(passw(or)?d|passwd|pwd|passphrase)
          - metavariable-pattern:
              metavariable: $V
              pattern-either:
                - pattern: <... md5.Sum(...) ...>
                - pattern: <... sha1.Sum(...) ...>
          - focus-metavariable: $V
      # ...or made on an earlier line, directly or through a hash object, and stored or checked as a password
      - patterns:
          - pattern-either:
              - pattern-inside: |
                  $D := $WEAK
                  ...
              - pattern-inside: |
                  $H := $WEAK
                  ...
                  $D := <... $H ...>
                  ...
          - metavariable-pattern:
              metavariable: $WEAK
              pattern-either:
                - pattern: <... md5.Sum(...) ...>
                - pattern: <... sha1.Sum(...) ...>
                - pattern: md5.New()
                - pattern: sha1.New()
          - pattern-either:
              - pattern: $OBJ.$PW(..., <... $D ...>, ...)
              - pattern: $OBJ.$PW = <... $D ...>
              - pattern: '$TYPE{..., $PW: <... $D ...>, ...}'
          - metavariable-regex:
              metavariable: $PW
              regex: (?i)^.*(passw(or)?d|passwd|pwd|passphrase)
      # ...or the hash is made inside a function whose name says it handles passwords, from more than a literal
      - patterns:
          - pattern-either:
              - pattern-inside: |
                  func $FN(...) {
                    ...
                  }
              - pattern-inside: |
                  func $FN(...) $RET {
                    ...
                  }
              - pattern-inside: |
                  func ($RECV $RTYPE) $FN(...) {
                    ...
                  }
              - pattern-inside: |
                  func ($RECV $RTYPE) $FN(...) $RET {
                    ...
                  }
          - metavariable-regex:
              metavariable: $FN
              regex: (?i).*(passw(or)?d|passwd|pwd|passphrase)
          - pattern-either:
              - pattern: md5.Sum(...)
              - pattern: md5.New()
              - pattern: sha1.Sum(...)
              - pattern: sha1.New()
          - pattern-not: $HASHPKG.Sum([]byte("..."))
`},AST_GREP_RULES_JSON=`[{"file":"ast-grep/rules/go-exec-sh-concat.yml","id":"go-exec-sh-concat","language":"go","severity":"error","message":"exec.Command runs a shell (sh -c) on a command that is not fixed in the source (built by concatenation or fmt.Sprintf, or passed in a variable), so a value containing shell syntax can run other commands.","note":"Call the program directly with separate arguments, e.g. exec.Command(\\"git\\", \\"checkout\\", branch), and validate the values you pass.","metadata":{"cwe":"CWE-78","cweName":"Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')","agentgateSeverity":"critical","fix":"Call the program directly with separate arguments, e.g. exec.Command(\\"git\\", \\"checkout\\", branch), and validate the values you pass."},"utils":{"literal":{"any":[{"kind":"interpreted_string_literal"},{"kind":"raw_string_literal"},{"kind":"int_literal"},{"kind":"float_literal"},{"kind":"rune_literal"},{"kind":"true"},{"kind":"false"}]},"scope":{"any":[{"kind":"function_declaration"},{"kind":"method_declaration"},{"kind":"func_literal"}]},"gives-literal":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$LB"}}},{"has":{"field":"right","has":{"matches":"literal"}}}]},{"any":[{"kind":"var_spec"},{"kind":"const_spec"}],"all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","has":{"matches":"literal"}}}]}]},"gives-other":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$LB"}}},{"has":{"field":"right","has":{"not":{"matches":"literal"}}}}]},{"kind":"var_spec","all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","has":{"not":{"matches":"literal"}}}}]},{"kind":"assignment_statement","has":{"field":"left","has":{"pattern":"$LB"}}}]},"literal-bound":{"all":[{"kind":"identifier"},{"pattern":"$LB"},{"any":[{"inside":{"stopBy":"end","kind":"source_file","has":{"kind":"const_declaration","has":{"kind":"const_spec","matches":"gives-literal"}}}},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"gives-literal"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-literal"}}]}}}]},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"gives-other"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-other"}}]}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$LB"}}}}}]},"constant":{"any":[{"matches":"literal"},{"matches":"literal-bound"},{"any":[{"kind":"parenthesized_expression"},{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}],"not":{"has":{"stopBy":"end","any":[{"kind":"identifier","not":{"matches":"literal-bound"}},{"kind":"call_expression"},{"kind":"selector_expression"},{"kind":"index_expression"},{"kind":"unary_expression"},{"kind":"type_conversion_expression"}]}}}]},"shell":{"regex":"^[\\"\`](/usr)?(/bin/)?(ba|da|k|z)?sh[\\"\`]$"},"dash-c":{"regex":"^[\\"\`]-c[\\"\`]$"},"open-command":{"not":{"matches":"constant"}}},"rule":{"kind":"call_expression","any":[{"all":[{"has":{"field":"function","regex":"^exec\\\\.Command$"}},{"has":{"field":"arguments","all":[{"has":{"nthChild":1,"matches":"shell"}},{"has":{"nthChild":2,"matches":"dash-c"}},{"has":{"nthChild":3,"matches":"open-command"}}]}}]},{"all":[{"has":{"field":"function","regex":"^exec\\\\.CommandContext$"}},{"has":{"field":"arguments","all":[{"has":{"nthChild":2,"matches":"shell"}},{"has":{"nthChild":3,"matches":"dash-c"}},{"has":{"nthChild":4,"matches":"open-command"}}]}}]}]}},{"file":"ast-grep/rules/go-jwt-hardcoded-secret.yml","id":"go-jwt-hardcoded-secret","language":"go","severity":"error","message":"A JWT is signed or verified with a key written in the source, so anyone who can read the code can mint valid tokens.","note":"Read the signing key from the environment or a secret manager (e.g. os.Getenv(\\"JWT_SECRET\\")) and refuse to start when it is empty.","metadata":{"cwe":"CWE-798","cweName":"Use of Hard-coded Credentials","agentgateSeverity":"high","fix":"Read the signing key from the environment or a secret manager (e.g. os.Getenv(\\"JWT_SECRET\\")) and refuse to start when it is empty."},"utils":{"literal":{"any":[{"kind":"interpreted_string_literal"},{"kind":"raw_string_literal"}]},"scope":{"any":[{"kind":"function_declaration"},{"kind":"method_declaration"},{"kind":"func_literal"}]},"gives-literal":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$LB"}}},{"has":{"field":"right","has":{"matches":"literal"}}}]},{"any":[{"kind":"var_spec"},{"kind":"const_spec"}],"all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","has":{"matches":"literal"}}}]}]},"gives-other":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$LB"}}},{"has":{"field":"right","has":{"not":{"matches":"literal"}}}}]},{"kind":"var_spec","all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","has":{"not":{"matches":"literal"}}}}]},{"kind":"assignment_statement","has":{"field":"left","has":{"pattern":"$LB"}}}]},"literal-bound":{"all":[{"kind":"identifier"},{"pattern":"$LB"},{"any":[{"inside":{"stopBy":"end","kind":"source_file","has":{"kind":"const_declaration","has":{"kind":"const_spec","matches":"gives-literal"}}}},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"gives-literal"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-literal"}}]}}}]},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"gives-other"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-other"}}]}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$LB"}}}}}]},"literal-key":{"any":[{"any":[{"kind":"type_conversion_expression"},{"kind":"call_expression"}],"regex":"^\\\\[\\\\]byte\\\\(\\\\s*(\\"([^\\"\\\\\\\\]|\\\\\\\\.)*\\"|\`[^\`]*\`)\\\\s*\\\\)$"},{"kind":"type_conversion_expression","all":[{"has":{"field":"type","regex":"^\\\\[\\\\]byte$"}},{"has":{"field":"operand","matches":"literal-bound"}}]}]},"key-name":{"regex":"(?i)(jwt|signing_?key|hmac_?(key|secret))"},"gives-key":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$KB"}}},{"has":{"field":"right","has":{"matches":"literal-key"}}}]},{"kind":"var_spec","all":[{"has":{"field":"name","pattern":"$KB"}},{"has":{"field":"value","has":{"matches":"literal-key"}}}]},{"kind":"assignment_statement","all":[{"has":{"field":"left","has":{"pattern":"$KB"}}},{"has":{"field":"right","has":{"matches":"literal-key"}}}]}]},"key-bound":{"all":[{"kind":"identifier"},{"not":{"matches":"key-name"}},{"pattern":"$KB"},{"any":[{"inside":{"stopBy":"end","kind":"source_file","has":{"kind":"var_declaration","has":{"kind":"var_spec","matches":"gives-key"}}}},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"gives-key"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-key"}}]}}}]}]},"hardcoded-key":{"any":[{"matches":"literal-key"},{"matches":"key-bound"}]}},"rule":{"any":[{"kind":"call_expression","all":[{"has":{"field":"function","regex":"\\\\.SignedString$"}},{"has":{"field":"arguments","has":{"nthChild":1,"matches":"hardcoded-key"}}}]},{"all":[{"any":[{"kind":"type_conversion_expression"},{"kind":"call_expression"}]},{"inside":{"kind":"expression_list","inside":{"any":[{"kind":"var_spec"},{"kind":"short_var_declaration"},{"kind":"const_spec"},{"kind":"assignment_statement"}],"has":{"field":"left","regex":"(?i)(jwt|signing_?key|hmac_?(key|secret))"}}}},{"matches":"literal-key"}]},{"all":[{"any":[{"kind":"type_conversion_expression"},{"kind":"call_expression"}]},{"inside":{"kind":"expression_list","inside":{"kind":"var_spec","has":{"field":"name","regex":"(?i)(jwt|signing_?key|hmac_?(key|secret))"}}}},{"matches":"literal-key"}]},{"all":[{"any":[{"kind":"type_conversion_expression"},{"kind":"call_expression"},{"kind":"identifier"}]},{"inside":{"kind":"expression_list","inside":{"kind":"return_statement","inside":{"stopBy":"end","kind":"call_expression","has":{"field":"function","regex":"(^|\\\\.)(jwt\\\\.)?(Parse|ParseWithClaims)$"}}}}},{"matches":"hardcoded-key"}]}]}},{"file":"ast-grep/rules/go-sql-string-concat.yml","id":"go-sql-string-concat","language":"go","severity":"error","message":"A SQL statement is built by concatenation or fmt.Sprintf, so a value containing quotes or SQL can change the query.","note":"Pass values as query arguments with placeholders, e.g. db.Query(\\"SELECT * FROM t WHERE id = $1\\", id), never by string building.","metadata":{"cwe":"CWE-89","cweName":"Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')","agentgateSeverity":"high","fix":"Pass values as query arguments with placeholders, e.g. db.Query(\\"SELECT * FROM t WHERE id = $1\\", id), never by string building."},"utils":{"literal":{"any":[{"kind":"interpreted_string_literal"},{"kind":"raw_string_literal"},{"kind":"int_literal"},{"kind":"float_literal"},{"kind":"rune_literal"},{"kind":"true"},{"kind":"false"}]},"scope":{"any":[{"kind":"function_declaration"},{"kind":"method_declaration"},{"kind":"func_literal"}]},"gives-literal":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$LB"}}},{"has":{"field":"right","has":{"matches":"literal"}}}]},{"any":[{"kind":"var_spec"},{"kind":"const_spec"}],"all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","has":{"matches":"literal"}}}]}]},"gives-other":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$LB"}}},{"has":{"field":"right","has":{"not":{"matches":"literal"}}}}]},{"kind":"var_spec","all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","has":{"not":{"matches":"literal"}}}}]},{"kind":"assignment_statement","has":{"field":"left","has":{"pattern":"$LB"}}}]},"literal-bound":{"all":[{"kind":"identifier"},{"pattern":"$LB"},{"any":[{"inside":{"stopBy":"end","kind":"source_file","has":{"kind":"const_declaration","has":{"kind":"const_spec","matches":"gives-literal"}}}},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"gives-literal"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-literal"}}]}}}]},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"gives-other"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-other"}}]}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$LB"}}}}}]},"constant":{"any":[{"matches":"literal"},{"matches":"literal-bound"},{"any":[{"kind":"parenthesized_expression"},{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}],"not":{"has":{"stopBy":"end","any":[{"kind":"identifier","not":{"matches":"literal-bound"}},{"kind":"call_expression"},{"kind":"selector_expression"},{"kind":"index_expression"},{"kind":"unary_expression"},{"kind":"type_conversion_expression"}]}}}]},"built-string":{"any":[{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^fmt\\\\.Sprintf$"}},{"has":{"field":"arguments","has":{"not":{"nthChild":1},"any":[{"kind":"identifier"},{"kind":"call_expression"},{"kind":"selector_expression"},{"kind":"index_expression"},{"kind":"binary_expression"},{"kind":"unary_expression"},{"kind":"type_conversion_expression"},{"kind":"variadic_argument"}],"all":[{"not":{"matches":"constant"}}]}}}]},{"kind":"binary_expression","all":[{"has":{"field":"operator","regex":"^\\\\+$"}},{"has":{"stopBy":"end","all":[{"any":[{"inside":{"kind":"binary_expression","field":"left"}},{"inside":{"kind":"binary_expression","field":"right"}}]},{"not":{"matches":"literal"}},{"not":{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}},{"not":{"kind":"parenthesized_expression"}},{"not":{"matches":"literal-bound"}}]}}]}]},"plus":{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}},"sql-text":{"regex":"^(fmt\\\\.Sprintf\\\\(\\\\s*)?[\\"\`]\\\\s*(SELECT\\\\s[\\\\s\\\\S]*\\\\sFROM\\\\s|select\\\\s[\\\\s\\\\S]*\\\\sfrom\\\\s|INSERT\\\\s+(IGNORE\\\\s+)?INTO\\\\s|insert\\\\s+(ignore\\\\s+)?into\\\\s|UPDATE\\\\s+\\\\S+\\\\s+SET\\\\s|update\\\\s+\\\\S+\\\\s+set\\\\s|DELETE\\\\s+FROM\\\\s|delete\\\\s+from\\\\s|REPLACE\\\\s+INTO\\\\s|replace\\\\s+into\\\\s|MERGE\\\\s+INTO\\\\s|merge\\\\s+into\\\\s)"},"query-call":{"kind":"call_expression","has":{"field":"function","kind":"selector_expression","has":{"field":"field","regex":"^(Query|QueryRow|QueryContext|QueryRowContext|Exec|ExecContext|Prepare|PrepareContext|Queryx|QueryRowx|QueryxContext|QueryRowxContext|MustExec|NamedExec|NamedQuery|Raw)$"}}},"query-argument":{"inside":{"kind":"argument_list","inside":{"matches":"query-call"}}},"gives-built":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$BV"}}},{"has":{"field":"right","has":{"matches":"built-string"}}}]},{"kind":"var_spec","all":[{"has":{"field":"name","pattern":"$BV"}},{"has":{"field":"value","has":{"matches":"built-string"}}}]},{"kind":"assignment_statement","all":[{"has":{"field":"left","has":{"pattern":"$BV"}}},{"any":[{"has":{"field":"right","has":{"matches":"built-string"}}},{"all":[{"has":{"field":"operator","regex":"^\\\\+=$"}},{"has":{"field":"right","has":{"not":{"matches":"constant"}}}}]}]}]}]},"resets-variable":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$BV"}}},{"has":{"field":"right","not":{"has":{"matches":"built-string"}}}}]},{"kind":"var_spec","all":[{"has":{"field":"name","pattern":"$BV"}},{"has":{"field":"value","not":{"has":{"matches":"built-string"}}}}]},{"kind":"assignment_statement","all":[{"has":{"field":"left","has":{"pattern":"$BV"}}},{"has":{"field":"operator","regex":"^=$"}},{"has":{"field":"right","not":{"has":{"matches":"built-string"}}}}]}]},"builds-statement":{"not":{"matches":"scope"},"any":[{"matches":"gives-built"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-built"}}]},"resets-statement":{"any":[{"matches":"resets-variable"},{"kind":"var_declaration","has":{"matches":"resets-variable"}}]},"built-variable":{"all":[{"kind":"identifier"},{"pattern":"$BV"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","all":[{"matches":"builds-statement"},{"pattern":"$BUILD"}]}}},{"not":{"any":[{"inside":{"stopBy":"end","follows":{"stopBy":"end","all":[{"matches":"resets-statement"},{"follows":{"stopBy":"end","pattern":"$BUILD"}}]}}},{"inside":{"stopBy":"end","follows":{"stopBy":"end","matches":"resets-statement"},"inside":{"stopBy":"end","follows":{"stopBy":"end","pattern":"$BUILD"}}}}]}}]}},"rule":{"any":[{"all":[{"any":[{"kind":"call_expression"},{"kind":"binary_expression"}]},{"not":{"any":[{"inside":{"matches":"plus"}},{"inside":{"kind":"parenthesized_expression","inside":{"matches":"plus"}}}]}},{"any":[{"matches":"sql-text"},{"matches":"query-argument"}]},{"matches":"built-string"}]},{"all":[{"matches":"query-call"},{"any":[{"all":[{"has":{"field":"function","regex":"Context$"}},{"has":{"field":"arguments","has":{"nthChild":2,"matches":"built-variable"}}}]},{"all":[{"has":{"field":"function","not":{"regex":"Context$"}}},{"has":{"field":"arguments","has":{"nthChild":1,"matches":"built-variable"}}}]}]}]}]}},{"file":"ast-grep/rules/go-tls-insecure-skip-verify.yml","id":"go-tls-insecure-skip-verify","language":"go","severity":"error","message":"tls.Config sets InsecureSkipVerify to true, so any certificate is accepted and anyone on the network path can impersonate the server.","note":"Remove InsecureSkipVerify; to trust a private CA, add its certificate to a x509.CertPool and set it as RootCAs.","metadata":{"cwe":"CWE-295","cweName":"Improper Certificate Validation","agentgateSeverity":"high","fix":"Remove InsecureSkipVerify; to trust a private CA, add its certificate to a x509.CertPool and set it as RootCAs."},"utils":{"scope":{"any":[{"kind":"function_declaration"},{"kind":"method_declaration"},{"kind":"func_literal"}]},"gives-true":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$TB"}}},{"has":{"field":"right","has":{"kind":"true"}}}]},{"any":[{"kind":"var_spec"},{"kind":"const_spec"}],"all":[{"has":{"field":"name","pattern":"$TB"}},{"has":{"field":"value","has":{"kind":"true"}}}]}]},"gives-other":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$TB"}}},{"has":{"field":"right","has":{"not":{"kind":"true"}}}}]},{"kind":"var_spec","all":[{"has":{"field":"name","pattern":"$TB"}},{"has":{"field":"value","has":{"not":{"kind":"true"}}}}]},{"kind":"assignment_statement","has":{"field":"left","has":{"pattern":"$TB"}}}]},"on":{"any":[{"kind":"true"},{"all":[{"kind":"identifier"},{"pattern":"$TB"},{"any":[{"inside":{"stopBy":"end","kind":"source_file","has":{"kind":"const_declaration","has":{"kind":"const_spec","matches":"gives-true"}}}},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"gives-true"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-true"}}]}}}]},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"gives-other"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-other"}}]}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$TB"}}}}}]}]}},"rule":{"any":[{"kind":"keyed_element","all":[{"has":{"field":"key","regex":"^InsecureSkipVerify$"}},{"has":{"field":"value","any":[{"matches":"on"},{"has":{"matches":"on"}}]}}]},{"kind":"assignment_statement","all":[{"has":{"field":"left","regex":"\\\\.InsecureSkipVerify$"}},{"has":{"field":"right","has":{"matches":"on"}}}]}]}},{"file":"ast-grep/rules/go-weak-hash-password.yml","id":"go-weak-hash-password","language":"go","severity":"error","message":"A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours.","note":"Hash passwords with golang.org/x/crypto/bcrypt or argon2 (bcrypt.GenerateFromPassword, argon2.IDKey).","metadata":{"cwe":"CWE-916","cweName":"Use of Password Hash With Insufficient Computational Effort","agentgateSeverity":"high","fix":"Hash passwords with golang.org/x/crypto/bcrypt or argon2 (bcrypt.GenerateFromPassword, argon2.IDKey)."},"utils":{"password-ish":{"regex":"(?i)(passw(or)?d|passwd|pwd|passphrase)"},"weak-hash":{"kind":"call_expression","has":{"field":"function","regex":"^(md5|sha1)\\\\.(Sum|New)$"}},"scope":{"any":[{"kind":"function_declaration"},{"kind":"method_declaration"},{"kind":"func_literal"}]},"password-target":{"any":[{"kind":"identifier","matches":"password-ish"},{"kind":"selector_expression","has":{"field":"field","matches":"password-ish"}}]},"password-sink":{"any":[{"kind":"call_expression","has":{"field":"function","matches":"password-target"}},{"kind":"assignment_statement","has":{"field":"left","has":{"matches":"password-target"}}},{"kind":"short_var_declaration","has":{"field":"left","has":{"matches":"password-target"}}},{"kind":"keyed_element","has":{"field":"key","matches":"password-ish"}}]},"password-sink-value":{"any":[{"inside":{"kind":"argument_list","inside":{"kind":"call_expression","matches":"password-sink"}}},{"inside":{"field":"right","any":[{"kind":"assignment_statement"},{"kind":"short_var_declaration"}],"matches":"password-sink"}},{"inside":{"field":"value","kind":"keyed_element","matches":"password-sink"}}]},"gives-hash":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$HO"}}},{"has":{"field":"right","has":{"stopBy":"end","matches":"weak-hash"}}}]},{"kind":"var_spec","all":[{"has":{"field":"name","pattern":"$HO"}},{"has":{"field":"value","has":{"stopBy":"end","matches":"weak-hash"}}}]},{"kind":"assignment_statement","all":[{"has":{"field":"left","has":{"pattern":"$HO"}}},{"has":{"field":"right","has":{"stopBy":"end","matches":"weak-hash"}}}]}]},"weak-made":{"any":[{"has":{"stopBy":"end","matches":"weak-hash"}},{"has":{"stopBy":"end","kind":"identifier","pattern":"$HO","inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"gives-hash"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-hash"}}]}}}}]},"gives-weak":{"any":[{"kind":"short_var_declaration","all":[{"has":{"field":"left","has":{"pattern":"$HD"}}},{"has":{"field":"right","matches":"weak-made"}}]},{"kind":"var_spec","all":[{"has":{"field":"name","pattern":"$HD"}},{"has":{"field":"value","matches":"weak-made"}}]},{"kind":"assignment_statement","all":[{"has":{"field":"left","has":{"pattern":"$HD"}}},{"has":{"field":"right","matches":"weak-made"}}]}]},"weak-variable":{"all":[{"kind":"identifier"},{"pattern":"$HD"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"gives-weak"},{"has":{"stopBy":{"matches":"scope"},"matches":"gives-weak"}}]}}}]},"writes-password":{"any":[{"kind":"call_expression","all":[{"has":{"field":"function","kind":"selector_expression","all":[{"has":{"field":"operand","pattern":"$H"}},{"has":{"field":"field","regex":"^(Write|WriteString)$"}}]}},{"has":{"field":"arguments","matches":"password-ish"}}]},{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^io\\\\.WriteString$"}},{"has":{"field":"arguments","all":[{"has":{"nthChild":1,"pattern":"$H"}},{"has":{"nthChild":2,"matches":"password-ish"}}]}}]}]}},"rule":{"any":[{"all":[{"matches":"weak-hash"},{"any":[{"has":{"field":"arguments","matches":"password-ish"}},{"all":[{"inside":{"kind":"expression_list","inside":{"any":[{"kind":"short_var_declaration"},{"kind":"assignment_statement"}],"has":{"field":"left","has":{"kind":"identifier","pattern":"$H"}}}}},{"inside":{"stopBy":"end","precedes":{"stopBy":"end","not":{"matches":"scope"},"any":[{"matches":"writes-password"},{"has":{"stopBy":{"matches":"scope"},"matches":"writes-password"}}]}}}]},{"inside":{"stopBy":"end","matches":"password-sink-value"}},{"all":[{"inside":{"stopBy":"end","any":[{"kind":"function_declaration","has":{"field":"name","matches":"password-ish"}},{"kind":"method_declaration","has":{"field":"name","matches":"password-ish"}}]}},{"not":{"has":{"field":"arguments","has":{"nthChild":1,"any":[{"kind":"interpreted_string_literal"},{"kind":"raw_string_literal"},{"kind":"type_conversion_expression","has":{"field":"operand","any":[{"kind":"interpreted_string_literal"},{"kind":"raw_string_literal"}]}}]}}}}]}]}]},{"all":[{"matches":"password-sink"},{"any":[{"has":{"field":"arguments","has":{"any":[{"matches":"weak-variable"},{"has":{"stopBy":"end","matches":"weak-variable"}}]}}},{"has":{"field":"right","has":{"any":[{"matches":"weak-variable"},{"has":{"stopBy":"end","matches":"weak-variable"}}]}}},{"has":{"field":"value","any":[{"matches":"weak-variable"},{"has":{"stopBy":"end","matches":"weak-variable"}}]}}]}]}]}},{"file":"ast-grep/rules/js-child-process-exec-interpolated.yml","id":"js-child-process-exec-interpolated","language":"tsx","severity":"error","message":"A shell runs a command that is not fixed in the source (built from interpolated or concatenated strings, or passed in a variable), so a value containing shell syntax can run other commands.","note":"Run the program without a shell, with execFile or spawn and an argument array, and validate the values you pass.","metadata":{"cwe":"CWE-78","cweName":"Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')","agentgateSeverity":"critical","fix":"Run the program without a shell, with execFile or spawn and an argument array, and validate the values you pass."},"utils":{"literal":{"any":[{"kind":"string"},{"kind":"number"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}}]},"scope":{"any":[{"kind":"function_declaration"},{"kind":"function_expression"},{"kind":"arrow_function"},{"kind":"method_definition"},{"kind":"generator_function_declaration"},{"kind":"generator_function"},{"kind":"class_declaration"},{"kind":"class"}]},"literal-bound":{"all":[{"kind":"identifier"},{"pattern":"$LB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","matches":"literal"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","matches":"literal"}}]}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","not":{"matches":"literal"}}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","not":{"matches":"literal"}}}]},{"kind":"augmented_assignment_expression","has":{"field":"left","pattern":"$LB"}}]}}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$LB"}}}}}]},"built-string":{"any":[{"kind":"template_string","has":{"kind":"template_substitution","not":{"has":{"any":[{"matches":"literal"},{"matches":"literal-bound"}]}}},"not":{"inside":{"kind":"call_expression"}}},{"kind":"binary_expression","all":[{"has":{"field":"operator","regex":"^\\\\+$"}},{"has":{"stopBy":"end","all":[{"any":[{"inside":{"kind":"binary_expression","field":"left"}},{"inside":{"kind":"binary_expression","field":"right"}}]},{"not":{"matches":"literal"}},{"not":{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}},{"not":{"kind":"parenthesized_expression"}},{"not":{"matches":"literal-bound"}}]}}]},{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^(util\\\\.)?format$|\\\\.concat$"}},{"has":{"field":"arguments","has":{"not":{"any":[{"matches":"literal"},{"matches":"literal-bound"}]},"any":[{"kind":"identifier"},{"kind":"member_expression"},{"kind":"call_expression"},{"kind":"subscript_expression"},{"kind":"template_string"},{"kind":"binary_expression"}]}}}]}]},"constant":{"any":[{"matches":"literal"},{"matches":"literal-bound"},{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"},"not":{"matches":"built-string"}},{"kind":"template_string","not":{"matches":"built-string"}},{"kind":"parenthesized_expression","has":{"matches":"literal"}}]},"builds-variable":{"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$BV"}},{"has":{"field":"value","matches":"built-string"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","matches":"built-string"}}]},{"kind":"augmented_assignment_expression","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","not":{"matches":"literal"}}}]}]},"resets-variable":{"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$BV"}},{"has":{"field":"value","not":{"matches":"built-string"}}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","not":{"matches":"built-string"}}}]}]},"builds-statement":{"not":{"matches":"scope"},"any":[{"matches":"builds-variable"},{"has":{"stopBy":{"matches":"scope"},"matches":"builds-variable"}}]},"resets-statement":{"any":[{"any":[{"kind":"lexical_declaration"},{"kind":"variable_declaration"}],"has":{"matches":"resets-variable"}},{"kind":"expression_statement","has":{"matches":"resets-variable"}}]},"built-variable":{"all":[{"kind":"identifier"},{"pattern":"$BV"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","all":[{"matches":"builds-statement"},{"pattern":"$BUILD"}]}}},{"not":{"any":[{"inside":{"stopBy":"end","follows":{"stopBy":"end","all":[{"matches":"resets-statement"},{"follows":{"stopBy":"end","pattern":"$BUILD"}}]}}},{"inside":{"stopBy":"end","follows":{"stopBy":"end","matches":"resets-statement"},"inside":{"stopBy":"end","follows":{"stopBy":"end","pattern":"$BUILD"}}}}]}}]},"dynamic-first-argument":{"has":{"field":"arguments","has":{"nthChild":1,"not":{"matches":"constant"}}}},"loads-shell-module":{"inside":{"stopBy":"end","kind":"program","has":{"stopBy":"end","kind":"string","regex":"^['\\"\`]((node:)?child_process|shelljs|execa|zx)['\\"\`]$"}}},"shell-option":{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?shell['\\"]?$"}},{"has":{"field":"value","any":[{"kind":"true"},{"kind":"string"}]}}]},"shell-options":{"has":{"field":"arguments","any":[{"has":{"kind":"object","has":{"matches":"shell-option"}}},{"has":{"kind":"identifier","pattern":"$OPTS","inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$OPTS"}},{"has":{"field":"value","kind":"object","has":{"matches":"shell-option"}}}]}}}}}]}}},"rule":{"kind":"call_expression","any":[{"all":[{"has":{"field":"function","any":[{"kind":"identifier","regex":"^(exec|execSync|execAsync|execPromise|execP|execPromised|execaCommand|execaCommandSync)$"},{"kind":"member_expression","all":[{"has":{"field":"property","regex":"^(exec|execSync)$"}},{"has":{"field":"object","regex":"(?i)(child_?process|^cp$|^proc$|^shell(js)?$)"}}]},{"kind":"call_expression","regex":"^(util\\\\.)?promisify\\\\(([\\\\w.]+\\\\.)?exec\\\\)$"}]}},{"matches":"dynamic-first-argument"},{"any":[{"has":{"field":"arguments","has":{"nthChild":1,"any":[{"matches":"built-string"},{"matches":"built-variable"}]}}},{"has":{"field":"function","not":{"kind":"identifier"}}},{"matches":"loads-shell-module"}]}]},{"all":[{"has":{"field":"function","regex":"(^|\\\\.)(spawn|spawnSync|execFile|execFileSync|execa|execaSync)$"}},{"matches":"dynamic-first-argument"},{"matches":"shell-options"}]},{"all":[{"has":{"field":"function","regex":"(^|\\\\.)(spawn|spawnSync|execFile|execFileSync|execa|execaSync)$"}},{"has":{"field":"arguments","all":[{"has":{"nthChild":1,"regex":"^['\\"\`](/usr)?(/bin/)?(ba|da|k|z)?sh['\\"\`]$"}},{"has":{"nthChild":2,"kind":"array","all":[{"has":{"regex":"^['\\"\`]-c['\\"\`]$"}},{"has":{"any":[{"kind":"identifier"},{"kind":"member_expression"},{"kind":"call_expression"},{"kind":"subscript_expression"},{"kind":"template_string"},{"kind":"binary_expression"}],"not":{"matches":"constant"}}}]}}]}}]}]}},{"file":"ast-grep/rules/js-dom-html-injection.yml","id":"js-dom-html-injection","language":"tsx","severity":"error","message":"HTML that is not a literal is written into the page (innerHTML, outerHTML, insertAdjacentHTML or document.write), so any markup or script it carries runs in the page.","note":"Set textContent or build elements with createElement, or pass the markup through a sanitizer such as DOMPurify.sanitize first.","metadata":{"cwe":"CWE-79","cweName":"Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')","agentgateSeverity":"high","fix":"Set textContent or build elements with createElement, or pass the markup through a sanitizer such as DOMPurify.sanitize first."},"utils":{"sanitized":{"kind":"call_expression","has":{"field":"function","regex":"(?i)(sanitize|purify|escape|encodeHtml|htmlEncode)"}},"scope":{"any":[{"kind":"function_declaration"},{"kind":"function_expression"},{"kind":"arrow_function"},{"kind":"method_definition"},{"kind":"generator_function_declaration"},{"kind":"generator_function"},{"kind":"class_declaration"},{"kind":"class"}]},"safe-value":{"any":[{"kind":"string"},{"kind":"number"},{"kind":"null"},{"kind":"undefined"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}},{"matches":"sanitized"}]},"safe-bound":{"all":[{"kind":"identifier"},{"pattern":"$SB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$SB"}},{"has":{"field":"value","matches":"safe-value"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$SB"}},{"has":{"field":"right","matches":"safe-value"}}]}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$SB"}},{"has":{"field":"value","not":{"matches":"safe-value"}}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$SB"}},{"has":{"field":"right","not":{"matches":"safe-value"}}}]},{"kind":"augmented_assignment_expression","has":{"field":"left","pattern":"$SB"}}]}}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$SB"}}}}}]},"safe-html":{"any":[{"matches":"safe-value"},{"matches":"safe-bound"},{"any":[{"kind":"template_string"},{"kind":"parenthesized_expression"},{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}],"not":{"has":{"stopBy":{"matches":"sanitized"},"any":[{"kind":"identifier","not":{"matches":"safe-bound"}},{"kind":"call_expression","not":{"matches":"sanitized"}},{"kind":"member_expression"},{"kind":"subscript_expression"},{"kind":"new_expression"},{"kind":"await_expression"},{"kind":"this"}]}}}]}},"rule":{"any":[{"any":[{"kind":"assignment_expression"},{"kind":"augmented_assignment_expression"}],"all":[{"has":{"field":"left","kind":"member_expression","has":{"field":"property","regex":"^(innerHTML|outerHTML)$"}}},{"has":{"field":"right","not":{"matches":"safe-html"}}}]},{"kind":"call_expression","all":[{"has":{"field":"function","kind":"member_expression","has":{"field":"property","regex":"^insertAdjacentHTML$"}}},{"has":{"field":"arguments","has":{"nthChild":2,"not":{"matches":"safe-html"}}}}]},{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((window|globalThis)\\\\.)?document\\\\.(write|writeln)$"}},{"has":{"field":"arguments","has":{"nthChild":1,"not":{"matches":"safe-html"}}}}]}]}},{"file":"ast-grep/rules/js-eval-dynamic.yml","id":"js-eval-dynamic","language":"tsx","severity":"error","message":"Code is evaluated from a string that is not a literal, so whoever shapes that string can run arbitrary code.","note":"Do not evaluate strings as code; parse data with JSON.parse and dispatch to known functions instead.","metadata":{"cwe":"CWE-95","cweName":"Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')","agentgateSeverity":"critical","fix":"Do not evaluate strings as code; parse data with JSON.parse and dispatch to known functions instead."},"utils":{"literal":{"any":[{"kind":"string"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}}]},"scope":{"any":[{"kind":"function_declaration"},{"kind":"function_expression"},{"kind":"arrow_function"},{"kind":"method_definition"},{"kind":"generator_function_declaration"},{"kind":"generator_function"},{"kind":"class_declaration"},{"kind":"class"}]},"literal-bound":{"all":[{"kind":"identifier"},{"pattern":"$LB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","matches":"literal"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","matches":"literal"}}]}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","not":{"matches":"literal"}}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","not":{"matches":"literal"}}}]},{"kind":"augmented_assignment_expression","has":{"field":"left","pattern":"$LB"}}]}}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$LB"}}}}}]},"constant":{"any":[{"matches":"literal"},{"matches":"literal-bound"},{"any":[{"kind":"parenthesized_expression"},{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}],"not":{"has":{"stopBy":"end","any":[{"kind":"identifier","not":{"matches":"literal-bound"}},{"kind":"call_expression"},{"kind":"member_expression"},{"kind":"subscript_expression"},{"kind":"new_expression"},{"kind":"await_expression"},{"kind":"yield_expression"},{"kind":"this"},{"kind":"binary_expression","has":{"field":"operator","not":{"regex":"^\\\\+$"}}}]}}}]},"built-string":{"any":[{"kind":"template_string","has":{"kind":"template_substitution"}},{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"},"not":{"matches":"constant"}}]},"builds-variable":{"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$BV"}},{"has":{"field":"value","matches":"built-string"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","matches":"built-string"}}]},{"kind":"augmented_assignment_expression","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","not":{"matches":"constant"}}}]}]},"resets-variable":{"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$BV"}},{"has":{"field":"value","not":{"matches":"built-string"}}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","not":{"matches":"built-string"}}}]}]},"builds-statement":{"not":{"matches":"scope"},"any":[{"matches":"builds-variable"},{"has":{"stopBy":{"matches":"scope"},"matches":"builds-variable"}}]},"resets-statement":{"any":[{"any":[{"kind":"lexical_declaration"},{"kind":"variable_declaration"}],"has":{"matches":"resets-variable"}},{"kind":"expression_statement","has":{"matches":"resets-variable"}}]},"built-variable":{"all":[{"kind":"identifier"},{"pattern":"$BV"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","all":[{"matches":"builds-statement"},{"pattern":"$BUILD"}]}}},{"not":{"any":[{"inside":{"stopBy":"end","follows":{"stopBy":"end","all":[{"matches":"resets-statement"},{"follows":{"stopBy":"end","pattern":"$BUILD"}}]}}},{"inside":{"stopBy":"end","follows":{"stopBy":"end","matches":"resets-statement"},"inside":{"stopBy":"end","follows":{"stopBy":"end","pattern":"$BUILD"}}}}]}}]},"dynamic-body":{"has":{"field":"arguments","has":{"nthChild":{"position":1,"reverse":true},"not":{"matches":"constant"}}}}},"rule":{"any":[{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((window|globalThis|global|self)\\\\.)?eval$"}},{"has":{"field":"arguments","has":{"nthChild":1,"not":{"matches":"constant"}}}}]},{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((window|globalThis|global|self)\\\\.)?Function$"}},{"matches":"dynamic-body"}]},{"kind":"new_expression","all":[{"has":{"field":"constructor","regex":"^((window|globalThis|global|self)\\\\.)?Function$"}},{"matches":"dynamic-body"}]},{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((window|globalThis|global|self)\\\\.)?(setTimeout|setInterval)$"}},{"has":{"field":"arguments","has":{"nthChild":1,"any":[{"matches":"built-string"},{"matches":"built-variable"}]}}}]}]}},{"file":"ast-grep/rules/js-jwt-hardcoded-secret.yml","id":"js-jwt-hardcoded-secret","language":"tsx","severity":"error","message":"A JWT is signed or verified with a secret written in the source, so anyone who can read the code can mint valid tokens.","note":"Load the signing secret from the environment or a secret manager (e.g. process.env.JWT_SECRET) and fail at startup when it is missing.","metadata":{"cwe":"CWE-798","cweName":"Use of Hard-coded Credentials","agentgateSeverity":"high","fix":"Load the signing secret from the environment or a secret manager (e.g. process.env.JWT_SECRET) and fail at startup when it is missing."},"utils":{"literal":{"any":[{"kind":"string"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}}],"not":{"regex":"BEGIN ([A-Z]+ )?PUBLIC KEY|BEGIN CERTIFICATE"}},"hardcoded-value":{"any":[{"matches":"literal"},{"kind":"binary_expression","all":[{"has":{"field":"operator","regex":"^(\\\\|\\\\||\\\\?\\\\?)$"}},{"has":{"field":"right","matches":"literal"}}]}]},"scope":{"any":[{"kind":"function_declaration"},{"kind":"function_expression"},{"kind":"arrow_function"},{"kind":"method_definition"},{"kind":"generator_function_declaration"},{"kind":"generator_function"},{"kind":"class_declaration"},{"kind":"class"}]},"hardcoded-bound":{"all":[{"kind":"identifier"},{"pattern":"$HB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$HB"}},{"has":{"field":"value","matches":"hardcoded-value"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$HB"}},{"has":{"field":"right","matches":"hardcoded-value"}}]}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$HB"}},{"has":{"field":"value","not":{"matches":"hardcoded-value"}}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$HB"}},{"has":{"field":"right","not":{"matches":"hardcoded-value"}}}]}]}}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$HB"}}}}}]},"hardcoded":{"any":[{"matches":"hardcoded-value"},{"matches":"hardcoded-bound"}]}},"rule":{"any":[{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((jwt|JWT|jsonwebtoken|jsonWebToken)\\\\.)?(sign|verify)$"}},{"has":{"field":"arguments","has":{"nthChild":2,"matches":"hardcoded"}}},{"any":[{"has":{"field":"function","kind":"member_expression"}},{"has":{"field":"arguments","has":{"nthChild":2,"matches":"hardcoded-value"}}},{"inside":{"stopBy":"end","kind":"program","has":{"stopBy":"end","kind":"string","regex":"^['\\"\`]jsonwebtoken['\\"\`]$"}}}]}]},{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?(secretOrKey|secretOrPrivateKey|secretOrPublicKey)['\\"]?$"}},{"has":{"field":"value","matches":"hardcoded"}}]},{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?secret['\\"]?$"}},{"has":{"field":"value","matches":"hardcoded"}},{"inside":{"stopBy":"end","kind":"call_expression","has":{"field":"function","regex":"(?i)jwt"}}}]}]}},{"file":"ast-grep/rules/js-react-dangerously-set-inner-html.yml","id":"js-react-dangerously-set-inner-html","language":"tsx","severity":"error","message":"dangerouslySetInnerHTML is given HTML that is not a literal, so any markup or script it carries is rendered as is.","note":"Render the value as text through JSX, or sanitize it first, e.g. { __html: DOMPurify.sanitize(html) }.","metadata":{"cwe":"CWE-79","cweName":"Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')","agentgateSeverity":"high","fix":"Render the value as text through JSX, or sanitize it first, e.g. { __html: DOMPurify.sanitize(html) }."},"utils":{"sanitized":{"kind":"call_expression","has":{"field":"function","regex":"(?i)(sanitize|purify|escape|encodeHtml|htmlEncode)"}},"scope":{"any":[{"kind":"function_declaration"},{"kind":"function_expression"},{"kind":"arrow_function"},{"kind":"method_definition"},{"kind":"generator_function_declaration"},{"kind":"generator_function"},{"kind":"class_declaration"},{"kind":"class"}]},"safe-value":{"any":[{"kind":"string"},{"kind":"number"},{"kind":"null"},{"kind":"undefined"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}},{"matches":"sanitized"}]},"safe-bound":{"all":[{"kind":"identifier"},{"pattern":"$SB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$SB"}},{"has":{"field":"value","matches":"safe-value"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$SB"}},{"has":{"field":"right","matches":"safe-value"}}]}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$SB"}},{"has":{"field":"value","not":{"matches":"safe-value"}}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$SB"}},{"has":{"field":"right","not":{"matches":"safe-value"}}}]},{"kind":"augmented_assignment_expression","has":{"field":"left","pattern":"$SB"}}]}}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$SB"}}}}}]},"safe-html":{"any":[{"matches":"safe-value"},{"matches":"safe-bound"},{"any":[{"kind":"template_string"},{"kind":"parenthesized_expression"},{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}],"not":{"has":{"stopBy":{"matches":"sanitized"},"any":[{"kind":"identifier","not":{"matches":"safe-bound"}},{"kind":"call_expression","not":{"matches":"sanitized"}},{"kind":"member_expression"},{"kind":"subscript_expression"},{"kind":"new_expression"},{"kind":"await_expression"},{"kind":"this"}]}}}]},"safe-object":{"kind":"object","has":{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?__html['\\"]?$"}},{"has":{"field":"value","matches":"safe-html"}}]}}},"rule":{"any":[{"kind":"jsx_attribute","all":[{"has":{"kind":"property_identifier","regex":"^dangerouslySetInnerHTML$"}},{"not":{"has":{"kind":"jsx_expression","has":{"matches":"safe-object"}}}}]},{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?dangerouslySetInnerHTML['\\"]?$"}},{"not":{"has":{"field":"value","matches":"safe-object"}}}]}]}},{"file":"ast-grep/rules/js-sql-string-concat.yml","id":"js-sql-string-concat","language":"tsx","severity":"error","message":"A SQL statement is built by concatenation, formatting or template interpolation, so a value containing quotes or SQL can change the query.","note":"Pass values as bind parameters (query('... WHERE id = $1', [id])) or use a tagged sql template, never by string building.","metadata":{"cwe":"CWE-89","cweName":"Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')","agentgateSeverity":"high","fix":"Pass values as bind parameters (query('... WHERE id = $1', [id])) or use a tagged sql template, never by string building."},"utils":{"literal":{"any":[{"kind":"string"},{"kind":"number"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}}]},"scope":{"any":[{"kind":"function_declaration"},{"kind":"function_expression"},{"kind":"arrow_function"},{"kind":"method_definition"},{"kind":"generator_function_declaration"},{"kind":"generator_function"},{"kind":"class_declaration"},{"kind":"class"}]},"literal-bound":{"all":[{"kind":"identifier"},{"pattern":"$LB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","matches":"literal"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","matches":"literal"}}]}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","not":{"matches":"literal"}}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","not":{"matches":"literal"}}}]},{"kind":"augmented_assignment_expression","has":{"field":"left","pattern":"$LB"}}]}}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$LB"}}}}}]},"fixed":{"any":[{"matches":"literal"},{"matches":"literal-bound"}]},"built-string":{"any":[{"kind":"template_string","has":{"kind":"template_substitution","not":{"has":{"matches":"fixed"}}},"not":{"inside":{"kind":"call_expression"}}},{"kind":"binary_expression","all":[{"has":{"field":"operator","regex":"^\\\\+$"}},{"has":{"stopBy":"end","all":[{"any":[{"inside":{"kind":"binary_expression","field":"left"}},{"inside":{"kind":"binary_expression","field":"right"}}]},{"not":{"matches":"literal"}},{"not":{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}},{"not":{"kind":"parenthesized_expression"}},{"not":{"matches":"literal-bound"}}]}}]},{"kind":"call_expression","all":[{"has":{"field":"function","any":[{"regex":"^(util\\\\.)?format$"},{"kind":"member_expression","all":[{"has":{"field":"property","regex":"^concat$"}},{"has":{"field":"object","any":[{"kind":"string"},{"kind":"template_string"}]}}]}]}},{"has":{"field":"arguments","has":{"any":[{"kind":"identifier"},{"kind":"member_expression"},{"kind":"call_expression"},{"kind":"subscript_expression"},{"kind":"template_string"},{"kind":"binary_expression"}],"not":{"matches":"fixed"}}}}]}]},"plus":{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}},"sql-text":{"regex":"^((util\\\\.)?format\\\\(\\\\s*)?['\\"\`]\\\\s*(SELECT\\\\s[\\\\s\\\\S]*\\\\sFROM\\\\s|select\\\\s[\\\\s\\\\S]*\\\\sfrom\\\\s|INSERT\\\\s+(IGNORE\\\\s+)?INTO\\\\s|insert\\\\s+(ignore\\\\s+)?into\\\\s|UPDATE\\\\s+\\\\S+\\\\s+SET\\\\s|update\\\\s+\\\\S+\\\\s+set\\\\s|DELETE\\\\s+FROM\\\\s|delete\\\\s+from\\\\s|REPLACE\\\\s+INTO\\\\s|replace\\\\s+into\\\\s|MERGE\\\\s+INTO\\\\s|merge\\\\s+into\\\\s)"},"query-call":{"kind":"call_expression","has":{"field":"function","kind":"member_expression","any":[{"has":{"field":"property","regex":"^(query|\\\\$queryRawUnsafe|\\\\$executeRawUnsafe|whereRaw|orWhereRaw|havingRaw|orHavingRaw|orderByRaw|groupByRaw|joinRaw|fromRaw|selectRaw)$"}},{"all":[{"has":{"field":"property","regex":"^(execute|raw|unsafe|literal)$"}},{"has":{"field":"object","regex":"(?i)(^|\\\\.|_)(db|database|knex|sql|sequelize|pool|conn|connection|client|trx|tx|prisma|pg|mysql|sqlite|postgres)$"}}]}]}},"query-argument":{"nthChild":1,"inside":{"kind":"arguments","inside":{"matches":"query-call"}}},"sql-name":{"regex":"^(sql|SQL|stmt)([A-Z_0-9]\\\\w*)?$|^\\\\w*[a-z0-9](Sql|SQL|Stmt)([A-Z_0-9]\\\\w*)?$|^\\\\w*_(sql|SQL|stmt)(_\\\\w*)?$"},"builds-variable":{"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$BV"}},{"has":{"field":"value","matches":"built-string"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","matches":"built-string"}}]},{"kind":"augmented_assignment_expression","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","not":{"matches":"fixed"}}}]}]},"resets-variable":{"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$BV"}},{"has":{"field":"value","not":{"matches":"built-string"}}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","not":{"matches":"built-string"}}}]}]},"builds-statement":{"not":{"matches":"scope"},"any":[{"matches":"builds-variable"},{"has":{"stopBy":{"matches":"scope"},"matches":"builds-variable"}}]},"resets-statement":{"any":[{"any":[{"kind":"lexical_declaration"},{"kind":"variable_declaration"}],"has":{"matches":"resets-variable"}},{"kind":"expression_statement","has":{"matches":"resets-variable"}}]},"built-variable":{"all":[{"any":[{"kind":"identifier"},{"kind":"shorthand_property_identifier"}]},{"pattern":"$BV"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","all":[{"matches":"builds-statement"},{"pattern":"$BUILD"}]}}},{"not":{"any":[{"inside":{"stopBy":"end","follows":{"stopBy":"end","all":[{"matches":"resets-statement"},{"follows":{"stopBy":"end","pattern":"$BUILD"}}]}}},{"inside":{"stopBy":"end","follows":{"stopBy":"end","matches":"resets-statement"},"inside":{"stopBy":"end","follows":{"stopBy":"end","pattern":"$BUILD"}}}}]}}]}},"rule":{"any":[{"all":[{"any":[{"kind":"template_string"},{"kind":"binary_expression"},{"kind":"call_expression","has":{"field":"function","regex":"^(util\\\\.)?format$|\\\\.concat$"}}]},{"not":{"any":[{"inside":{"matches":"plus"}},{"inside":{"kind":"parenthesized_expression","inside":{"matches":"plus"}}}]}},{"any":[{"matches":"sql-text"},{"matches":"query-argument"},{"inside":{"kind":"variable_declarator","has":{"field":"name","matches":"sql-name"}}},{"inside":{"any":[{"kind":"assignment_expression"},{"kind":"augmented_assignment_expression"}],"has":{"field":"left","any":[{"matches":"sql-name"},{"kind":"member_expression","has":{"field":"property","matches":"sql-name"}}]}}}]},{"matches":"built-string"}]},{"all":[{"matches":"query-call"},{"has":{"field":"arguments","has":{"nthChild":1,"any":[{"matches":"built-variable"},{"kind":"object","has":{"any":[{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?(text|sql)['\\"]?$"}},{"has":{"field":"value","matches":"built-variable"}}]},{"all":[{"kind":"shorthand_property_identifier"},{"regex":"^(text|sql)$"},{"matches":"built-variable"}]}]}}]}}}]}]}},{"file":"ast-grep/rules/js-tls-verify-disabled.yml","id":"js-tls-verify-disabled","language":"tsx","severity":"error","message":"TLS certificate verification is turned off, so anyone on the network path can impersonate the server and read or change the traffic.","note":"Keep certificate verification on; to trust a private CA, pass its certificate with the ca option or NODE_EXTRA_CA_CERTS.","metadata":{"cwe":"CWE-295","cweName":"Improper Certificate Validation","agentgateSeverity":"high","fix":"Keep certificate verification on; to trust a private CA, pass its certificate with the ca option or NODE_EXTRA_CA_CERTS."},"utils":{"zero":{"regex":"^(['\\"\`]0['\\"\`]|0)$"},"accept-all":{"any":[{"kind":"arrow_function","regex":"^(\\\\([^)]*\\\\)|\\\\w+)\\\\s*=>\\\\s*(\\\\{\\\\s*(return\\\\s*(undefined|null)?\\\\s*;?\\\\s*)?\\\\}|undefined|null|\\\\(?\\\\s*undefined\\\\s*\\\\)?)$"},{"kind":"function_expression","regex":"^function\\\\s*\\\\w*\\\\s*\\\\([^)]*\\\\)\\\\s*\\\\{\\\\s*(return\\\\s*(undefined|null)?\\\\s*;?\\\\s*)?\\\\}$"}]},"scope":{"any":[{"kind":"function_declaration"},{"kind":"function_expression"},{"kind":"arrow_function"},{"kind":"method_definition"},{"kind":"generator_function_declaration"},{"kind":"generator_function"},{"kind":"class_declaration"},{"kind":"class"}]},"off":{"any":[{"kind":"false"},{"all":[{"any":[{"kind":"identifier"},{"kind":"shorthand_property_identifier"}]},{"pattern":"$FB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$FB"}},{"has":{"field":"value","kind":"false"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$FB"}},{"has":{"field":"right","kind":"false"}}]}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$FB"}},{"has":{"field":"value","not":{"kind":"false"}}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$FB"}},{"has":{"field":"right","not":{"kind":"false"}}}]}]}}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$FB"}}}}}]}]}},"rule":{"any":[{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?(rejectUnauthorized|strictSSL)['\\"]?$"}},{"has":{"field":"value","matches":"off"}}]},{"all":[{"kind":"shorthand_property_identifier"},{"regex":"^(rejectUnauthorized|strictSSL)$"},{"matches":"off"}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","kind":"member_expression","has":{"field":"property","regex":"^(rejectUnauthorized|strictSSL)$"}}},{"has":{"field":"right","matches":"off"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","regex":"NODE_TLS_REJECT_UNAUTHORIZED"}},{"has":{"field":"right","matches":"zero"}}]},{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?NODE_TLS_REJECT_UNAUTHORIZED['\\"]?$"}},{"has":{"field":"value","matches":"zero"}}]},{"kind":"pair","all":[{"has":{"field":"key","regex":"^['\\"]?checkServerIdentity['\\"]?$"}},{"has":{"field":"value","matches":"accept-all"}}]}]}},{"file":"ast-grep/rules/js-vm-dynamic-code.yml","id":"js-vm-dynamic-code","language":"tsx","severity":"error","message":"Node's vm module compiles a string that is not a literal, and vm is not a security boundary, so that string can run arbitrary code.","note":"Do not compile code built at run time; if untrusted code must run, isolate it in a separate process or sandbox.","metadata":{"cwe":"CWE-95","cweName":"Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')","agentgateSeverity":"critical","fix":"Do not compile code built at run time; if untrusted code must run, isolate it in a separate process or sandbox."},"utils":{"literal":{"any":[{"kind":"string"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}}]},"scope":{"any":[{"kind":"function_declaration"},{"kind":"function_expression"},{"kind":"arrow_function"},{"kind":"method_definition"},{"kind":"generator_function_declaration"},{"kind":"generator_function"},{"kind":"class_declaration"},{"kind":"class"}]},"literal-bound":{"all":[{"kind":"identifier"},{"pattern":"$LB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","matches":"literal"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","matches":"literal"}}]}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$LB"}},{"has":{"field":"value","not":{"matches":"literal"}}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","not":{"matches":"literal"}}}]},{"kind":"augmented_assignment_expression","has":{"field":"left","pattern":"$LB"}}]}}}}},{"not":{"inside":{"stopBy":"end","matches":"scope","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$LB"}}}}}]},"constant":{"any":[{"matches":"literal"},{"matches":"literal-bound"},{"any":[{"kind":"parenthesized_expression"},{"kind":"binary_expression","has":{"field":"operator","regex":"^\\\\+$"}}],"not":{"has":{"stopBy":"end","any":[{"kind":"identifier","not":{"matches":"literal-bound"}},{"kind":"call_expression"},{"kind":"member_expression"},{"kind":"subscript_expression"},{"kind":"new_expression"},{"kind":"await_expression"},{"kind":"yield_expression"},{"kind":"this"},{"kind":"binary_expression","has":{"field":"operator","not":{"regex":"^\\\\+$"}}}]}}}]},"dynamic-first-argument":{"has":{"field":"arguments","has":{"nthChild":1,"not":{"matches":"constant"}}}}},"rule":{"any":[{"kind":"call_expression","all":[{"has":{"field":"function","regex":"^((\\\\w+\\\\.)*vm\\\\.)?(runInContext|runInNewContext|runInThisContext|compileFunction)$"}},{"matches":"dynamic-first-argument"}]},{"kind":"new_expression","all":[{"has":{"field":"constructor","regex":"^((\\\\w+\\\\.)*vm\\\\.)?Script$"}},{"matches":"dynamic-first-argument"},{"any":[{"has":{"field":"constructor","regex":"\\\\bvm\\\\.Script$"}},{"inside":{"stopBy":"end","kind":"program","has":{"stopBy":"end","kind":"string","regex":"^['\\"](node:)?vm['\\"]$"}}}]}]}]}},{"file":"ast-grep/rules/js-weak-hash-password.yml","id":"js-weak-hash-password","language":"tsx","severity":"error","message":"A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours.","note":"Hash passwords with a slow, salted algorithm such as argon2, bcrypt or crypto.scrypt.","metadata":{"cwe":"CWE-916","cweName":"Use of Password Hash With Insufficient Computational Effort","agentgateSeverity":"high","fix":"Hash passwords with a slow, salted algorithm such as argon2, bcrypt or crypto.scrypt."},"utils":{"password-ish":{"regex":"(?i)(passw(or)?d|passwd|pwd|passphrase)"},"weak-hash":{"kind":"call_expression","all":[{"has":{"field":"function","regex":"(^|\\\\.)createHash$"}},{"has":{"field":"arguments","has":{"nthChild":1,"regex":"^['\\"\`](?i:md4|md5|sha1|sha-1|ripemd160|rmd160)['\\"\`]$"}}}]},"scope":{"any":[{"kind":"function_declaration"},{"kind":"function_expression"},{"kind":"arrow_function"},{"kind":"method_definition"},{"kind":"generator_function_declaration"},{"kind":"generator_function"},{"kind":"class_declaration"},{"kind":"class"}]},"password-sink":{"any":[{"kind":"call_expression","has":{"field":"function","any":[{"kind":"identifier","matches":"password-ish"},{"kind":"member_expression","has":{"field":"property","matches":"password-ish"}}]}},{"kind":"assignment_expression","has":{"field":"left","any":[{"kind":"identifier","matches":"password-ish"},{"kind":"member_expression","has":{"field":"property","matches":"password-ish"}}]}},{"kind":"pair","has":{"field":"key","matches":"password-ish"}},{"kind":"variable_declarator","has":{"field":"name","matches":"password-ish"}}]},"password-sink-value":{"any":[{"inside":{"kind":"arguments","inside":{"kind":"call_expression","matches":"password-sink"}}},{"inside":{"field":"right","kind":"assignment_expression","matches":"password-sink"}},{"inside":{"field":"value","kind":"pair","matches":"password-sink"}},{"inside":{"field":"value","kind":"variable_declarator","matches":"password-sink"}}]},"weak-made":{"any":[{"matches":"weak-hash"},{"has":{"stopBy":"end","matches":"weak-hash"}},{"has":{"stopBy":"end","kind":"identifier","pattern":"$HO","inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$HO"}},{"has":{"field":"value","any":[{"matches":"weak-hash"},{"has":{"stopBy":"end","matches":"weak-hash"}}]}}]}}}}}]},"weak-variable":{"all":[{"kind":"identifier"},{"pattern":"$HD"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"variable_declarator","all":[{"has":{"field":"name","pattern":"$HD"}},{"has":{"field":"value","matches":"weak-made"}}]},{"kind":"assignment_expression","all":[{"has":{"field":"left","pattern":"$HD"}},{"has":{"field":"right","matches":"weak-made"}}]}]}}}}]}},"rule":{"any":[{"all":[{"matches":"weak-hash"},{"any":[{"inside":{"kind":"member_expression","has":{"field":"property","regex":"^update$"},"inside":{"kind":"call_expression","has":{"field":"arguments","has":{"nthChild":1,"matches":"password-ish"}}}}},{"all":[{"inside":{"kind":"variable_declarator","has":{"field":"name","pattern":"$H"}}},{"inside":{"stopBy":"end","precedes":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"call_expression","all":[{"has":{"field":"function","kind":"member_expression","all":[{"has":{"field":"object","pattern":"$H"}},{"has":{"field":"property","regex":"^update$"}}]}},{"has":{"field":"arguments","has":{"nthChild":1,"matches":"password-ish"}}}]}}}}]},{"inside":{"stopBy":"end","matches":"password-sink-value"}},{"all":[{"inside":{"stopBy":"end","any":[{"kind":"function_declaration","has":{"field":"name","matches":"password-ish"}},{"kind":"method_definition","has":{"field":"name","matches":"password-ish"}},{"kind":"variable_declarator","all":[{"has":{"field":"name","matches":"password-ish"}},{"has":{"field":"value","any":[{"kind":"arrow_function"},{"kind":"function_expression"}]}}]}]}},{"not":{"inside":{"kind":"member_expression","has":{"field":"property","regex":"^update$"},"inside":{"kind":"call_expression","has":{"field":"arguments","has":{"nthChild":1,"any":[{"kind":"string"},{"kind":"template_string","not":{"has":{"kind":"template_substitution"}}}]}}}}}}]}]}]},{"all":[{"matches":"password-sink"},{"any":[{"has":{"field":"arguments","has":{"matches":"weak-variable"}}},{"has":{"field":"arguments","has":{"stopBy":"end","kind":"call_expression","has":{"field":"function","kind":"member_expression","has":{"field":"object","matches":"weak-variable"}}}}},{"has":{"field":"right","any":[{"matches":"weak-variable"},{"has":{"stopBy":"end","matches":"weak-variable"}}]}},{"has":{"field":"value","any":[{"matches":"weak-variable"},{"has":{"stopBy":"end","matches":"weak-variable"}}]}}]}]}]}},{"file":"ast-grep/rules/py-eval-dynamic.yml","id":"py-eval-dynamic","language":"python","severity":"error","message":"Code is evaluated from a string that is not a literal (eval, exec or compile), so whoever shapes that string can run arbitrary code.","note":"Do not evaluate strings as code; parse data with json.loads or ast.literal_eval and dispatch to known functions instead.","metadata":{"cwe":"CWE-95","cweName":"Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')","agentgateSeverity":"critical","fix":"Do not evaluate strings as code; parse data with json.loads or ast.literal_eval and dispatch to known functions instead."},"utils":{"literal":{"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}},{"kind":"integer"},{"kind":"float"},{"kind":"true"},{"kind":"false"},{"kind":"none"}]},"scope":{"any":[{"kind":"function_definition"},{"kind":"class_definition"},{"kind":"lambda"}]},"literal-bound":{"all":[{"kind":"identifier"},{"pattern":"$LB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","matches":"literal"}}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"assignment","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","not":{"matches":"literal"}}}]},{"kind":"augmented_assignment","has":{"field":"left","pattern":"$LB"}},{"kind":"for_statement","has":{"field":"left","pattern":"$LB"}}]}}}}},{"not":{"inside":{"stopBy":"end","kind":"function_definition","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$LB"}}}}}]},"constant":{"any":[{"matches":"literal"},{"matches":"literal-bound"},{"any":[{"kind":"binary_operator"},{"kind":"parenthesized_expression"},{"kind":"list"},{"kind":"tuple"},{"kind":"string"},{"kind":"concatenated_string"}],"not":{"has":{"stopBy":"end","any":[{"kind":"identifier","not":{"matches":"literal-bound"}},{"kind":"call"},{"kind":"attribute"},{"kind":"subscript"},{"kind":"await"},{"kind":"list_splat"},{"kind":"dictionary_splat"}]}}}]}},"rule":{"kind":"call","all":[{"any":[{"has":{"field":"function","regex":"^(builtins\\\\.)?(eval|exec)$"}},{"all":[{"has":{"field":"function","regex":"^(builtins\\\\.)?compile$"}},{"has":{"field":"arguments","any":[{"has":{"nthChild":3,"regex":"^['\\"](exec|eval|single)['\\"]$"}},{"has":{"kind":"keyword_argument","has":{"field":"name","regex":"^mode$"}}}]}}]}]},{"has":{"field":"arguments","has":{"nthChild":1,"not":{"matches":"constant"}}}}]}},{"file":"ast-grep/rules/py-jwt-hardcoded-secret.yml","id":"py-jwt-hardcoded-secret","language":"python","severity":"error","message":"A JWT is signed or verified with a key written in the source, so anyone who can read the code can mint valid tokens.","note":"Read the signing key from the environment or a secret manager (e.g. os.environ[\\"JWT_SECRET\\"]) and fail at startup when it is missing.","metadata":{"cwe":"CWE-798","cweName":"Use of Hard-coded Credentials","agentgateSeverity":"high","fix":"Read the signing key from the environment or a secret manager (e.g. os.environ[\\"JWT_SECRET\\"]) and fail at startup when it is missing."},"utils":{"literal":{"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}}]},"hardcoded":{"any":[{"matches":"literal"},{"kind":"boolean_operator","all":[{"has":{"field":"operator","regex":"^or$"}},{"has":{"field":"right","matches":"literal"}}]},{"kind":"call","all":[{"has":{"field":"function","regex":"^(os\\\\.environ\\\\.get|os\\\\.getenv)$"}},{"has":{"field":"arguments","has":{"nthChild":2,"matches":"literal"}}}]}]},"scope":{"any":[{"kind":"function_definition"},{"kind":"class_definition"},{"kind":"lambda"}]},"hardcoded-bound":{"all":[{"kind":"identifier"},{"not":{"matches":"secret-name"}},{"pattern":"$HB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$HB"}},{"has":{"field":"right","matches":"hardcoded"}}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"assignment","all":[{"has":{"field":"left","pattern":"$HB"}},{"has":{"field":"right","not":{"matches":"hardcoded"}}}]},{"kind":"augmented_assignment","has":{"field":"left","pattern":"$HB"}}]}}}}},{"not":{"inside":{"stopBy":"end","kind":"function_definition","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$HB"}}}}}]},"secret-name":{"regex":"(?i)jwt_?secret(_?key)?['\\"]?\\\\]?$"},"key":{"any":[{"matches":"hardcoded"},{"matches":"hardcoded-bound"}]}},"rule":{"any":[{"kind":"call","all":[{"has":{"field":"function","regex":"^(\\\\w+\\\\.)?jwt\\\\.(encode|decode)$"}},{"has":{"field":"arguments","any":[{"has":{"nthChild":2,"matches":"key"}},{"has":{"kind":"keyword_argument","all":[{"has":{"field":"name","regex":"^key$"}},{"has":{"field":"value","matches":"key"}}]}}]}}]},{"kind":"assignment","all":[{"has":{"field":"left","matches":"secret-name"}},{"has":{"field":"right","matches":"hardcoded"}}]}]}},{"file":"ast-grep/rules/py-os-system.yml","id":"py-os-system","language":"python","severity":"error","message":"A command that is not a literal is run through the shell (os.system, os.popen or a shell helper), so a value containing shell syntax can run other commands.","note":"Use subprocess.run with an argument list and without shell=True, and validate the values you pass.","metadata":{"cwe":"CWE-78","cweName":"Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')","agentgateSeverity":"critical","fix":"Use subprocess.run with an argument list and without shell=True, and validate the values you pass."},"utils":{"literal":{"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}},{"kind":"integer"},{"kind":"float"},{"kind":"true"},{"kind":"false"},{"kind":"none"}]},"scope":{"any":[{"kind":"function_definition"},{"kind":"class_definition"},{"kind":"lambda"}]},"literal-bound":{"all":[{"kind":"identifier"},{"pattern":"$LB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","matches":"literal"}}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"assignment","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","not":{"matches":"literal"}}}]},{"kind":"augmented_assignment","has":{"field":"left","pattern":"$LB"}},{"kind":"for_statement","has":{"field":"left","pattern":"$LB"}}]}}}}},{"not":{"inside":{"stopBy":"end","kind":"function_definition","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$LB"}}}}}]},"constant":{"any":[{"matches":"literal"},{"matches":"literal-bound"},{"any":[{"kind":"binary_operator"},{"kind":"parenthesized_expression"},{"kind":"list"},{"kind":"tuple"},{"kind":"string"},{"kind":"concatenated_string"}],"not":{"has":{"stopBy":"end","any":[{"kind":"identifier","not":{"matches":"literal-bound"}},{"kind":"call"},{"kind":"attribute"},{"kind":"subscript"},{"kind":"await"},{"kind":"list_splat"},{"kind":"dictionary_splat"}]}}}]}},"rule":{"kind":"call","all":[{"has":{"field":"function","regex":"^(os\\\\.(system|popen[234]?)|(subprocess|commands)\\\\.(getoutput|getstatusoutput)|asyncio\\\\.create_subprocess_shell)$"}},{"not":{"has":{"field":"arguments","has":{"nthChild":1,"matches":"constant"}}}}]}},{"file":"ast-grep/rules/py-pickle-load.yml","id":"py-pickle-load","language":"python","severity":"error","message":"Data is deserialized with pickle (or a pickle-based loader), which runs arbitrary code when the data comes from anyone else.","note":"Exchange data as JSON or another data-only format; unpickle only files your own process wrote and nobody else can modify.","metadata":{"cwe":"CWE-502","cweName":"Deserialization of Untrusted Data","agentgateSeverity":"high","fix":"Exchange data as JSON or another data-only format; unpickle only files your own process wrote and nobody else can modify."},"utils":{"loader-module":{"regex":"^((c|_)?pickle|cPickle|dill|cloudpickle|marshal|jsonpickle|joblib|pandas)$"},"loader-name":{"regex":"^(loads?|Unpickler|decode|read_pickle)$"},"imported-loader":{"all":[{"kind":"identifier"},{"pattern":"$LOADER"},{"inside":{"stopBy":"end","kind":"module","has":{"kind":"import_from_statement","all":[{"has":{"field":"module_name","matches":"loader-module"}},{"has":{"any":[{"kind":"dotted_name","matches":"loader-name","has":{"kind":"identifier","pattern":"$LOADER"}},{"kind":"aliased_import","all":[{"has":{"field":"name","matches":"loader-name"}},{"has":{"field":"alias","pattern":"$LOADER"}}]}]}}]}}}]},"module-alias":{"all":[{"kind":"identifier"},{"pattern":"$MOD"},{"inside":{"stopBy":"end","kind":"module","has":{"kind":"import_statement","has":{"kind":"aliased_import","all":[{"has":{"field":"name","matches":"loader-module"}},{"has":{"field":"alias","pattern":"$MOD"}}]}}}}]}},"rule":{"kind":"call","all":[{"has":{"field":"function","any":[{"regex":"^(((c|_)?pickle|cPickle|dill|cloudpickle)\\\\.(loads?|Unpickler)|marshal\\\\.loads?|jsonpickle\\\\.(decode|loads)|(pd|pandas)\\\\.read_pickle|joblib\\\\.load)$"},{"matches":"imported-loader"},{"kind":"attribute","all":[{"has":{"field":"object","matches":"module-alias"}},{"has":{"field":"attribute","matches":"loader-name"}}]}]}},{"not":{"all":[{"has":{"field":"function","regex":"(^|\\\\.)(loads|decode)$"}},{"has":{"field":"arguments","has":{"nthChild":1,"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}}]}}}]}}]}},{"file":"ast-grep/rules/py-sql-string-concat.yml","id":"py-sql-string-concat","language":"python","severity":"error","message":"A SQL statement is built with an f-string, +, % or .format(), so a value containing quotes or SQL can change the query.","note":"Pass values as query parameters, e.g. cursor.execute(\\"SELECT * FROM t WHERE id = %s\\", (id,)), never by string building.","metadata":{"cwe":"CWE-89","cweName":"Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')","agentgateSeverity":"high","fix":"Pass values as query parameters, e.g. cursor.execute(\\"SELECT * FROM t WHERE id = %s\\", (id,)), never by string building."},"utils":{"literal":{"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}},{"kind":"integer"},{"kind":"float"},{"kind":"true"},{"kind":"false"},{"kind":"none"}]},"scope":{"any":[{"kind":"function_definition"},{"kind":"class_definition"},{"kind":"lambda"}]},"literal-bound":{"all":[{"kind":"identifier"},{"pattern":"$LB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","matches":"literal"}}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"assignment","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","not":{"matches":"literal"}}}]},{"kind":"augmented_assignment","has":{"field":"left","pattern":"$LB"}},{"kind":"for_statement","has":{"field":"left","pattern":"$LB"}}]}}}}},{"not":{"inside":{"stopBy":"end","kind":"function_definition","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$LB"}}}}}]},"constant":{"any":[{"matches":"literal"},{"matches":"literal-bound"},{"any":[{"kind":"binary_operator"},{"kind":"parenthesized_expression"},{"kind":"list"},{"kind":"tuple"},{"kind":"string"},{"kind":"concatenated_string"}],"not":{"has":{"stopBy":"end","any":[{"kind":"identifier","not":{"matches":"literal-bound"}},{"kind":"call"},{"kind":"attribute"},{"kind":"subscript"},{"kind":"await"},{"kind":"list_splat"},{"kind":"dictionary_splat"}]}}}]},"fixed":{"any":[{"matches":"literal"},{"matches":"literal-bound"}]},"open-interpolation":{"kind":"interpolation","has":{"field":"expression","not":{"matches":"fixed"}}},"built-string":{"any":[{"kind":"string","has":{"matches":"open-interpolation"},"not":{"inside":{"kind":"concatenated_string"}}},{"kind":"concatenated_string","has":{"stopBy":"end","matches":"open-interpolation"}},{"kind":"binary_operator","all":[{"has":{"field":"operator","regex":"^\\\\+$"}},{"has":{"stopBy":"end","all":[{"any":[{"inside":{"kind":"binary_operator","field":"left"}},{"inside":{"kind":"binary_operator","field":"right"}}]},{"not":{"matches":"literal"}},{"not":{"kind":"binary_operator","has":{"field":"operator","regex":"^\\\\+$"}}},{"not":{"kind":"parenthesized_expression"}},{"not":{"matches":"literal-bound"}}]}}]},{"kind":"binary_operator","all":[{"has":{"field":"operator","regex":"^%$"}},{"has":{"field":"left","any":[{"kind":"string"},{"kind":"concatenated_string"}]}},{"has":{"field":"right","not":{"matches":"constant"}}}]},{"kind":"call","all":[{"has":{"field":"function","kind":"attribute","all":[{"has":{"field":"object","any":[{"kind":"string"},{"kind":"concatenated_string"}]}},{"has":{"field":"attribute","regex":"^format$"}}]}},{"has":{"field":"arguments","any":[{"has":{"not":{"any":[{"kind":"keyword_argument"},{"matches":"constant"}]},"any":[{"kind":"identifier"},{"kind":"call"},{"kind":"attribute"},{"kind":"subscript"},{"kind":"binary_operator"},{"kind":"string"},{"kind":"list_splat"},{"kind":"dictionary_splat"},{"kind":"conditional_expression"}]}},{"has":{"kind":"keyword_argument","has":{"field":"value","not":{"matches":"constant"}}}}]}}]}]},"plus":{"kind":"binary_operator","has":{"field":"operator","regex":"^\\\\+$"}},"sql-text":{"regex":"^[rRbBuUfF]{0,2}(|\\"\\"\\"|'|\\")\\\\s*(SELECT\\\\s[\\\\s\\\\S]*\\\\sFROM\\\\s|select\\\\s[\\\\s\\\\S]*\\\\sfrom\\\\s|INSERT\\\\s+(IGNORE\\\\s+)?INTO\\\\s|insert\\\\s+(ignore\\\\s+)?into\\\\s|UPDATE\\\\s+\\\\S+\\\\s+SET\\\\s|update\\\\s+\\\\S+\\\\s+set\\\\s|DELETE\\\\s+FROM\\\\s|delete\\\\s+from\\\\s|REPLACE\\\\s+INTO\\\\s|replace\\\\s+into\\\\s|MERGE\\\\s+INTO\\\\s|merge\\\\s+into\\\\s)"},"query-call":{"kind":"call","has":{"field":"function","regex":"(^|\\\\.)(execute|executemany|executescript|mogrify|raw|read_sql|read_sql_query)$|^(sqlalchemy\\\\.|sa\\\\.)?text$"}},"query-argument":{"nthChild":1,"inside":{"kind":"argument_list","inside":{"matches":"query-call"}}},"sql-name":{"regex":"^(sql|SQL|stmt|STMT)(_\\\\w*)?$|^\\\\w*_(sql|SQL|stmt|STMT)(_\\\\w*)?$"},"builds-variable":{"any":[{"kind":"assignment","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","matches":"built-string"}}]},{"kind":"augmented_assignment","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","not":{"matches":"constant"}}}]}]},"resets-variable":{"kind":"assignment","all":[{"has":{"field":"left","pattern":"$BV"}},{"has":{"field":"right","not":{"matches":"built-string"}}}]},"builds-statement":{"not":{"matches":"scope"},"any":[{"matches":"builds-variable"},{"has":{"stopBy":{"matches":"scope"},"matches":"builds-variable"}}]},"resets-statement":{"kind":"expression_statement","has":{"matches":"resets-variable"}},"built-variable":{"all":[{"kind":"identifier"},{"pattern":"$BV"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","all":[{"matches":"builds-statement"},{"pattern":"$BUILD"}]}}},{"not":{"any":[{"inside":{"stopBy":"end","follows":{"stopBy":"end","all":[{"matches":"resets-statement"},{"follows":{"stopBy":"end","pattern":"$BUILD"}}]}}},{"inside":{"stopBy":"end","follows":{"stopBy":"end","matches":"resets-statement"},"inside":{"stopBy":"end","follows":{"stopBy":"end","pattern":"$BUILD"}}}}]}}]}},"rule":{"any":[{"all":[{"any":[{"kind":"string"},{"kind":"concatenated_string"},{"kind":"binary_operator"},{"kind":"call"}]},{"not":{"any":[{"inside":{"matches":"plus"}},{"inside":{"kind":"parenthesized_expression","inside":{"matches":"plus"}}}]}},{"any":[{"matches":"sql-text"},{"matches":"query-argument"},{"inside":{"any":[{"kind":"assignment"},{"kind":"augmented_assignment"}],"has":{"field":"left","any":[{"matches":"sql-name"},{"kind":"attribute","has":{"field":"attribute","matches":"sql-name"}}]}}}]},{"matches":"built-string"}]},{"all":[{"matches":"query-call"},{"has":{"field":"arguments","has":{"nthChild":1,"matches":"built-variable"}}}]}]}},{"file":"ast-grep/rules/py-subprocess-shell-true.yml","id":"py-subprocess-shell-true","language":"python","severity":"error","message":"A subprocess runs a command through the shell (shell=True) and the command is not a literal, so a value containing shell syntax can run other commands.","note":"Pass the command as a list without shell=True, e.g. subprocess.run([\\"git\\", \\"checkout\\", branch]), and validate the values you pass.","metadata":{"cwe":"CWE-78","cweName":"Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')","agentgateSeverity":"critical","fix":"Pass the command as a list without shell=True, e.g. subprocess.run([\\"git\\", \\"checkout\\", branch]), and validate the values you pass."},"utils":{"literal":{"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}},{"kind":"integer"},{"kind":"float"},{"kind":"true"},{"kind":"false"},{"kind":"none"}]},"scope":{"any":[{"kind":"function_definition"},{"kind":"class_definition"},{"kind":"lambda"}]},"literal-bound":{"all":[{"kind":"identifier"},{"pattern":"$LB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","matches":"literal"}}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"any":[{"kind":"assignment","all":[{"has":{"field":"left","pattern":"$LB"}},{"has":{"field":"right","not":{"matches":"literal"}}}]},{"kind":"augmented_assignment","has":{"field":"left","pattern":"$LB"}},{"kind":"for_statement","has":{"field":"left","pattern":"$LB"}}]}}}}},{"not":{"inside":{"stopBy":"end","kind":"function_definition","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$LB"}}}}}]},"constant":{"any":[{"matches":"literal"},{"matches":"literal-bound"},{"any":[{"kind":"binary_operator"},{"kind":"parenthesized_expression"},{"kind":"list"},{"kind":"tuple"},{"kind":"string"},{"kind":"concatenated_string"}],"not":{"has":{"stopBy":"end","any":[{"kind":"identifier","not":{"matches":"literal-bound"}},{"kind":"call"},{"kind":"attribute"},{"kind":"subscript"},{"kind":"await"},{"kind":"list_splat"},{"kind":"dictionary_splat"}]}}}]},"on":{"any":[{"kind":"true"},{"all":[{"kind":"identifier"},{"pattern":"$TB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$TB"}},{"has":{"field":"right","kind":"true"}}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$TB"}},{"has":{"field":"right","not":{"kind":"true"}}}]}}}}}]}]}},"rule":{"kind":"call","all":[{"has":{"field":"function","regex":"^((\\\\w+\\\\.)*subprocess\\\\.|sp\\\\.)?(run|call|check_call|check_output|Popen)$"}},{"has":{"field":"arguments","has":{"kind":"keyword_argument","all":[{"has":{"field":"name","regex":"^shell$"}},{"has":{"field":"value","matches":"on"}}]}}},{"has":{"field":"arguments","any":[{"has":{"nthChild":1,"not":{"any":[{"kind":"keyword_argument"},{"matches":"constant"},{"kind":"list","has":{"nthChild":1,"matches":"constant"}}]}}},{"has":{"kind":"keyword_argument","all":[{"has":{"field":"name","regex":"^args$"}},{"has":{"field":"value","not":{"matches":"constant"}}}]}}]}}]}},{"file":"ast-grep/rules/py-tls-verify-disabled.yml","id":"py-tls-verify-disabled","language":"python","severity":"error","message":"TLS certificate verification is turned off, so anyone on the network path can impersonate the server and read or change the traffic.","note":"Keep verification on; to trust a private CA, pass its bundle with verify=\\"/path/to/ca.pem\\" or load it into an ssl.SSLContext.","metadata":{"cwe":"CWE-295","cweName":"Improper Certificate Validation","agentgateSeverity":"high","fix":"Keep verification on; to trust a private CA, pass its bundle with verify=\\"/path/to/ca.pem\\" or load it into an ssl.SSLContext."},"utils":{"scope":{"any":[{"kind":"function_definition"},{"kind":"class_definition"},{"kind":"lambda"}]},"off":{"any":[{"kind":"false"},{"all":[{"kind":"identifier"},{"pattern":"$FB"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$FB"}},{"has":{"field":"right","kind":"false"}}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$FB"}},{"has":{"field":"right","not":{"kind":"false"}}}]}}}}},{"not":{"inside":{"stopBy":"end","kind":"function_definition","has":{"field":"parameters","has":{"stopBy":"end","pattern":"$FB"}}}}}]}]}},"rule":{"any":[{"kind":"keyword_argument","all":[{"has":{"field":"name","regex":"^verify$"}},{"has":{"field":"value","matches":"off"}}]},{"kind":"assignment","all":[{"has":{"field":"left","kind":"attribute","has":{"field":"attribute","regex":"^verify$"}}},{"has":{"field":"right","matches":"off"}}]},{"kind":"keyword_argument","all":[{"has":{"field":"name","regex":"^cert_reqs$"}},{"has":{"field":"value","regex":"CERT_NONE"}}]},{"kind":"attribute","regex":"^ssl\\\\._create_unverified_context$"},{"kind":"assignment","all":[{"has":{"field":"left","regex":"\\\\.check_hostname$"}},{"has":{"field":"right","matches":"off"}}]},{"kind":"assignment","all":[{"has":{"field":"left","regex":"\\\\.verify_mode$"}},{"has":{"field":"right","regex":"CERT_NONE$"}}]}]}},{"file":"ast-grep/rules/py-weak-hash-password.yml","id":"py-weak-hash-password","language":"python","severity":"error","message":"A password is hashed with MD5 or SHA-1, fast unsalted hashes that are cracked by brute force within hours.","note":"Hash passwords with a slow, salted algorithm such as argon2 or bcrypt, or hashlib.scrypt.","metadata":{"cwe":"CWE-916","cweName":"Use of Password Hash With Insufficient Computational Effort","agentgateSeverity":"high","fix":"Hash passwords with a slow, salted algorithm such as argon2 or bcrypt, or hashlib.scrypt."},"utils":{"password-ish":{"regex":"(?i)(passw(or)?d|passwd|pwd|passphrase)"},"weak-hash":{"kind":"call","any":[{"has":{"field":"function","regex":"^(hashlib\\\\.)?(md5|sha1|md4)$"}},{"all":[{"has":{"field":"function","regex":"^hashlib\\\\.new$"}},{"has":{"field":"arguments","has":{"nthChild":1,"regex":"^[rbuRBU]?['\\"](?i:md4|md5|sha1|sha-1)['\\"]$"}}}]},{"has":{"field":"function","regex":"^(\\\\w+\\\\.)*hashes\\\\.(MD5|SHA1)$"}},{"has":{"field":"function","regex":"^(Crypto\\\\.Hash\\\\.)?(MD5|MD4|SHA|SHA1)\\\\.new$"}}]},"scope":{"any":[{"kind":"function_definition"},{"kind":"class_definition"},{"kind":"lambda"}]},"password-target":{"any":[{"kind":"identifier","matches":"password-ish"},{"kind":"attribute","has":{"field":"attribute","matches":"password-ish"}},{"kind":"subscript","has":{"field":"subscript","kind":"string","matches":"password-ish"}}]},"password-sink":{"any":[{"kind":"call","has":{"field":"function","matches":"password-target"}},{"kind":"assignment","has":{"field":"left","matches":"password-target"}},{"kind":"keyword_argument","has":{"field":"name","matches":"password-ish"}},{"kind":"pair","has":{"field":"key","kind":"string","matches":"password-ish"}}]},"password-sink-value":{"any":[{"inside":{"kind":"argument_list","inside":{"kind":"call","matches":"password-sink"}}},{"inside":{"field":"right","kind":"assignment","matches":"password-sink"}},{"inside":{"field":"value","kind":"keyword_argument","matches":"password-sink"}},{"inside":{"field":"value","kind":"pair","matches":"password-sink"}}]},"weak-made":{"any":[{"matches":"weak-hash"},{"has":{"stopBy":"end","matches":"weak-hash"}},{"has":{"stopBy":"end","kind":"identifier","pattern":"$HO","inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$HO"}},{"has":{"field":"right","any":[{"matches":"weak-hash"},{"has":{"stopBy":"end","matches":"weak-hash"}}]}}]}}}}}]},"weak-variable":{"all":[{"kind":"identifier"},{"pattern":"$HD"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$HD"}},{"has":{"field":"right","matches":"weak-made"}}]}}}}]}},"rule":{"any":[{"all":[{"matches":"weak-hash"},{"any":[{"has":{"field":"arguments","matches":"password-ish"}},{"all":[{"inside":{"stopBy":"end","kind":"assignment","has":{"field":"left","kind":"identifier","pattern":"$H"}}},{"inside":{"stopBy":"end","precedes":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"call","all":[{"has":{"field":"function","kind":"attribute","all":[{"has":{"field":"object","pattern":"$H"}},{"has":{"field":"attribute","regex":"^update$"}}]}},{"has":{"field":"arguments","matches":"password-ish"}}]}}}}]},{"inside":{"stopBy":"end","matches":"password-sink-value"}},{"all":[{"inside":{"stopBy":"end","kind":"function_definition","has":{"field":"name","matches":"password-ish"}}},{"not":{"has":{"field":"arguments","has":{"nthChild":1,"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}}]}}}}]}]}]},{"all":[{"matches":"password-sink"},{"any":[{"has":{"field":"arguments","has":{"any":[{"matches":"weak-variable"},{"has":{"stopBy":"end","matches":"weak-variable"}}]}}},{"has":{"field":"right","any":[{"matches":"weak-variable"},{"has":{"stopBy":"end","matches":"weak-variable"}}]}},{"has":{"field":"value","any":[{"matches":"weak-variable"},{"has":{"stopBy":"end","matches":"weak-variable"}}]}}]}]}]}},{"file":"ast-grep/rules/py-yaml-unsafe-load.yml","id":"py-yaml-unsafe-load","language":"python","severity":"error","message":"YAML is loaded without a safe Loader, so a document can construct arbitrary Python objects and run code.","note":"Use yaml.safe_load(data), or yaml.load(data, Loader=yaml.SafeLoader).","metadata":{"cwe":"CWE-502","cweName":"Deserialization of Untrusted Data","agentgateSeverity":"high","fix":"Use yaml.safe_load(data), or yaml.load(data, Loader=yaml.SafeLoader)."},"utils":{"safe-loader-name":{"regex":"(^|\\\\.)(C?SafeLoader|C?BaseLoader)$"},"scope":{"any":[{"kind":"function_definition"},{"kind":"class_definition"},{"kind":"lambda"}]},"safe-loader":{"any":[{"matches":"safe-loader-name"},{"all":[{"kind":"identifier"},{"pattern":"$SL"},{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$SL"}},{"has":{"field":"right","matches":"safe-loader-name"}}]}}}},{"not":{"inside":{"stopBy":"end","follows":{"stopBy":"end","not":{"matches":"scope"},"has":{"stopBy":{"matches":"scope"},"kind":"assignment","all":[{"has":{"field":"left","pattern":"$SL"}},{"has":{"field":"right","not":{"matches":"safe-loader-name"}}}]}}}}}]}]},"yaml-alias":{"all":[{"kind":"identifier"},{"pattern":"$MOD"},{"inside":{"stopBy":"end","kind":"module","has":{"kind":"import_statement","has":{"kind":"aliased_import","all":[{"has":{"field":"name","regex":"^yaml$"}},{"has":{"field":"alias","pattern":"$MOD"}}]}}}}]},"yaml-import":{"kind":"import_from_statement","has":{"field":"module_name","regex":"^yaml$"}},"unsafe-name":{"regex":"^(unsafe_load|unsafe_load_all|full_load|full_load_all)$"},"load-name":{"regex":"^(load|load_all)$"},"unsafe-function":{"any":[{"regex":"^yaml\\\\.(unsafe_load|unsafe_load_all|full_load|full_load_all)$"},{"kind":"attribute","all":[{"has":{"field":"object","matches":"yaml-alias"}},{"has":{"field":"attribute","matches":"unsafe-name"}}]},{"kind":"identifier","pattern":"$FN","inside":{"stopBy":"end","kind":"module","has":{"matches":"yaml-import","has":{"any":[{"kind":"dotted_name","matches":"unsafe-name","has":{"kind":"identifier","pattern":"$FN"}},{"kind":"aliased_import","all":[{"has":{"field":"name","matches":"unsafe-name"}},{"has":{"field":"alias","pattern":"$FN"}}]}]}}}}]},"load-function":{"any":[{"regex":"^yaml\\\\.(load|load_all)$"},{"kind":"attribute","all":[{"has":{"field":"object","matches":"yaml-alias"}},{"has":{"field":"attribute","matches":"load-name"}}]},{"kind":"identifier","pattern":"$FN","inside":{"stopBy":"end","kind":"module","has":{"matches":"yaml-import","has":{"any":[{"kind":"dotted_name","matches":"load-name","has":{"kind":"identifier","pattern":"$FN"}},{"kind":"aliased_import","all":[{"has":{"field":"name","matches":"load-name"}},{"has":{"field":"alias","pattern":"$FN"}}]}]}}}}]}},"rule":{"kind":"call","all":[{"any":[{"has":{"field":"function","matches":"unsafe-function"}},{"all":[{"has":{"field":"function","matches":"load-function"}},{"not":{"has":{"field":"arguments","any":[{"has":{"kind":"keyword_argument","all":[{"has":{"field":"name","regex":"^Loader$"}},{"has":{"field":"value","matches":"safe-loader"}}]}},{"has":{"nthChild":2,"matches":"safe-loader"}}]}}}]}]},{"not":{"has":{"field":"arguments","has":{"nthChild":1,"any":[{"kind":"string","not":{"has":{"kind":"interpolation"}}},{"kind":"concatenated_string","not":{"has":{"stopBy":"end","kind":"interpolation"}}}]}}}}]}}]`,AST_GREP_LANGUAGE_GLOBS={tsx:["*.js","*.jsx","*.mjs","*.cjs","*.ts","*.mts","*.cts","*.tsx"]};var SECRETS_PACK_SOURCE="policies/secrets/agentgate.toml",SECRETS_PACK_TEXT=`# agentgate's secret-scanning rules, in gitleaks' configuration format.
#
# The secrets gate runs these in-process when the gitleaks binary is not on PATH. A repository can bring
# its own rules in a .gitleaks.toml at its root (read from the base commit, never from the change):
# with \`[extend] useDefault = true\` it adds to this pack; without it, it replaces the pack.
#
# Each rule was written for this pack from the vendor's documented token format (the vendor's page is
# named above the rule). How a rule is read:
#   keywords     the rule runs only on files containing one of them (any case): keep them specific.
#   regex        Go/RE2 syntax, run on the whole file (a PEM block spanning lines is one match).
#   secretGroup  the capture group that is the secret (default: the first non-empty group).
#   entropy      the secret's Shannon entropy (bits per character) must be above this: random base62
#                text scores about 5.5, words about 3, \`xxxxxxxx\` 0. It keeps placeholders out.
#   allowlists   regexes (on the secret, or with regexTarget on the match or line), stopwords, paths.
# A rule whose id contains "generic" yields to a specific rule that found the same secret on the line.
#
# To change a rule, edit it here and run \`node scripts/gen-default-pack.mjs\`; the corpus in
# test/gates/secrets-corpus.ts must keep finding every documented format and no look-alike.

title = "agentgate secrets pack"

# Placeholders and documentation values are not secrets, whichever rule matched them.
[[allowlists]]
description = "placeholders, templates and examples"
regexes = [
  # a run of one placeholder character: ghp_xxxxxxxx\u2026, ****, 00000000 (not AAAA\u2026: base64 keys have
  # those; a rule's entropy threshold keeps other single-character fillers out)
  '''(?i)x{6,}|\\*{4,}|\\.{4,}|#{4,}|_{6,}|-{6,}|0{8,}|1{8,}|9{8,}|\\?{4,}|\u2022{3,}|\u2026''',
  # counting and keyboard runs
  '''(?i)0123456789|123456789|abcdefghij|qwertyuiop|asdfghjkl''',
  # templates and references: \${VAR}, {{ var }}, <token>, %VAR%, $VAR, $(cmd), #{var}
  '''^\\$\\{[^}]*\\}$''',
  '''\\{\\{[^}]*\\}\\}''',
  '''^<[^>]*>$''',
  '''^%[A-Za-z0-9_]+%$''',
  '''^\\$[A-Za-z_][A-Za-z0-9_]*$''',
  '''^\\$\\(.*\\)$''',
  '''^#\\{[^}]*\\}$''',
]
stopwords = [
  "example",
  "dummy",
  "sample",
  "placeholder",
  "changeme",
  "change_me",
  "your_",
  "your-",
  "yourkey",
  "yourtoken",
  "yoursecret",
  "insert_",
  "replace_me",
  "replaceme",
  "redacted",
  "lorem",
  "notreal",
  "not_real",
  "not-a-real",
  "abc123",
]

# ---------------------------------------------------------------------------------------------------
# AWS. Unique identifiers are 20 characters: a 4-letter prefix naming the kind (AKIA access key,
# ASIA temporary access key, ABIA STS bearer token, ACCA context credential, AGPA group, AIDA user,
# AROA role, AIPA instance profile, ANPA managed policy, ANVA policy version, APKA public key, ASCA
# certificate) and 16 upper-case letters and digits. Secret access keys are 40 characters of base64.
# (AWS IAM User Guide, "IAM identifiers" and "Managing access keys".)

[[rules]]
id = "aws-access-key-id"
description = "AWS access key ID or IAM unique identifier"
regex = '''\\b((?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ASCA|A3T[A-Z0-9])[A-Z0-9]{16})\\b'''
entropy = 3
keywords = ["akia", "asia", "abia", "acca", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "apka", "asca", "a3t"]
tags = ["aws"]

[[rules]]
id = "aws-secret-access-key"
description = "AWS secret access key"
regex = '''(?i)(?:aws[\\w.-]{0,20}?secret|secret[_.-]?access[_.-]?key)[\\w.-]{0,20}?["'\\x60]?\\s{0,5}(?::|=>|:=|=)\\s{0,5}["'\\x60]?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)'''
entropy = 3.5
keywords = ["aws", "secret_access", "secretaccess", "secret-access", "secret.access"]
tags = ["aws"]

# ---------------------------------------------------------------------------------------------------
# GitHub. Tokens start with a prefix naming their kind, then 36 base62 characters (30 random and a
# 6-character checksum): ghp_ personal access token (classic), gho_ OAuth access token, ghu_
# user-to-server token, ghs_ server-to-server (installation) token, ghr_ refresh token. Fine-grained
# personal access tokens are github_pat_, 22 base62 characters, _, 59 more. GitHub may lengthen them.
# (GitHub Docs, "About authentication to GitHub", GitHub's token formats.)

[[rules]]
id = "github-pat"
description = "GitHub personal access token (classic)"
regex = '''\\b(ghp_[A-Za-z0-9]{36,251})\\b'''
entropy = 3
keywords = ["ghp_"]
tags = ["github"]

[[rules]]
id = "github-fine-grained-pat"
description = "GitHub fine-grained personal access token"
regex = '''\\b(github_pat_[A-Za-z0-9]{22,40}_[A-Za-z0-9]{59,200})\\b'''
entropy = 3
keywords = ["github_pat_"]
tags = ["github"]

[[rules]]
id = "github-oauth-token"
description = "GitHub OAuth access token"
regex = '''\\b(gho_[A-Za-z0-9]{36,251})\\b'''
entropy = 3
keywords = ["gho_"]
tags = ["github"]

[[rules]]
id = "github-app-token"
description = "GitHub App user-to-server or installation token"
regex = '''\\b(gh[us]_[A-Za-z0-9]{36,251})\\b'''
entropy = 3
keywords = ["ghu_", "ghs_"]
tags = ["github"]

[[rules]]
id = "github-refresh-token"
description = "GitHub refresh token"
regex = '''\\b(ghr_[A-Za-z0-9]{36,251})\\b'''
entropy = 3
keywords = ["ghr_"]
tags = ["github"]

# ---------------------------------------------------------------------------------------------------
# GitLab. Tokens start with a prefix naming their kind, then at least 20 characters of [0-9A-Za-z_-];
# newer, routable tokens end in .<2-character version>.<checksum>. glpat- personal, project and group
# access tokens; gldt- deploy tokens; glrt- runner authentication tokens; glptt- pipeline trigger
# tokens; glsoat- SCIM tokens; GR1348941 runner registration tokens; glcbt- CI/CD job tokens;
# glimt- incoming mail tokens; glft- feed tokens; glagent- agent for Kubernetes tokens; gloas- OAuth
# application secrets. (GitLab Docs, "GitLab token overview", section "Token prefixes".)

[[rules]]
id = "gitlab-pat"
description = "GitLab personal, project or group access token"
regex = '''\\b(glpat-[0-9A-Za-z_-]{20,}(?:\\.[0-9A-Za-z]{2}\\.[0-9A-Za-z]{7,10})?)(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["glpat-"]
tags = ["gitlab"]

[[rules]]
id = "gitlab-deploy-token"
description = "GitLab deploy token"
regex = '''\\b(gldt-[0-9A-Za-z_-]{20,}(?:\\.[0-9A-Za-z]{2}\\.[0-9A-Za-z]{7,10})?)(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["gldt-"]
tags = ["gitlab"]

[[rules]]
id = "gitlab-runner-token"
description = "GitLab runner authentication token"
regex = '''\\b(glrt-[0-9A-Za-z_-]{20,}(?:\\.[0-9A-Za-z]{2}\\.[0-9A-Za-z]{7,10})?)(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["glrt-"]
tags = ["gitlab"]

[[rules]]
id = "gitlab-runner-registration-token"
description = "GitLab runner registration token"
regex = '''\\b(GR1348941[0-9A-Za-z_-]{20,})(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["gr1348941"]
tags = ["gitlab"]

[[rules]]
id = "gitlab-pipeline-trigger-token"
description = "GitLab pipeline trigger token"
regex = '''\\b(glptt-[0-9A-Za-z_-]{20,})(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["glptt-"]
tags = ["gitlab"]

[[rules]]
id = "gitlab-scim-token"
description = "GitLab SCIM token"
regex = '''\\b(glsoat-[0-9A-Za-z_-]{20,})(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["glsoat-"]
tags = ["gitlab"]

[[rules]]
id = "gitlab-ci-job-token"
description = "GitLab CI/CD job token"
regex = '''\\b(glcbt-[0-9A-Za-z_-]{20,})(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["glcbt-"]
tags = ["gitlab"]

[[rules]]
id = "gitlab-incoming-mail-token"
description = "GitLab incoming mail token"
regex = '''\\b(glimt-[0-9A-Za-z_-]{20,})(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["glimt-"]
tags = ["gitlab"]

[[rules]]
id = "gitlab-feed-token"
description = "GitLab feed token"
regex = '''\\b(glft-[0-9A-Za-z_-]{20,})(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["glft-"]
tags = ["gitlab"]

[[rules]]
id = "gitlab-agent-token"
description = "GitLab agent for Kubernetes token"
regex = '''\\b(glagent-[0-9A-Za-z_-]{20,})(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["glagent-"]
tags = ["gitlab"]

[[rules]]
id = "gitlab-oauth-app-secret"
description = "GitLab OAuth application secret"
regex = '''\\b(gloas-[0-9A-Za-z_-]{20,})(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["gloas-"]
tags = ["gitlab"]

# ---------------------------------------------------------------------------------------------------
# Slack. Bot tokens xoxb-<team digits>-<bot digits>-<alphanumerics>; user tokens xoxp- with three digit
# groups and 32 hex; xoxe- refresh tokens and xoxe.xoxp-/xoxe.xoxb- configuration tokens; legacy and
# workspace tokens xoxa-, xoxr-, xoxs-, xoxo-; app-level tokens xapp-<n>-<app id>-<digits>-<hex>.
# Incoming webhooks are https://hooks.slack.com/services/T\u2026/B\u2026/<24 alphanumerics>; workflow webhooks
# /workflows/ or /triggers/. (Slack API docs, "Token types", "Sending messages using incoming webhooks".)

[[rules]]
id = "slack-bot-token"
description = "Slack bot token"
regex = '''\\b(xoxb-[0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{20,40})\\b'''
entropy = 3
keywords = ["xoxb-"]
tags = ["slack"]

[[rules]]
id = "slack-user-token"
description = "Slack user token"
regex = '''\\b(xoxp-[0-9]{8,14}-[0-9]{8,14}-[0-9]{8,14}-[A-Za-z0-9]{28,40})\\b'''
entropy = 3
keywords = ["xoxp-"]
tags = ["slack"]

[[rules]]
id = "slack-refresh-or-config-token"
description = "Slack refresh or app configuration token"
regex = '''\\b(xoxe(?:\\.xox[bp])?-[0-9]-[A-Za-z0-9]{40,300})\\b'''
entropy = 3
keywords = ["xoxe"]
tags = ["slack"]

[[rules]]
id = "slack-legacy-token"
description = "Slack legacy, workspace or session token"
regex = '''\\b(xox[aors]-(?:[0-9]{1,14}-){1,4}[A-Za-z0-9]{10,80})\\b'''
entropy = 3
keywords = ["xoxa-", "xoxo-", "xoxr-", "xoxs-"]
tags = ["slack"]

[[rules]]
id = "slack-app-token"
description = "Slack app-level token"
regex = '''\\b(xapp-[0-9]-[A-Z0-9]{8,14}-[0-9]{8,16}-[A-Za-z0-9]{32,80})\\b'''
entropy = 3
keywords = ["xapp-"]
tags = ["slack"]

[[rules]]
id = "slack-webhook-url"
description = "Slack incoming or workflow webhook URL"
regex = '''(https?://hooks\\.slack\\.com/(?:services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24}|(?:workflows|triggers)/T[A-Z0-9]{8,12}/A[A-Z0-9]{8,12}/[0-9]{12,20}/[A-Za-z0-9]{32}))'''
entropy = 3
keywords = ["hooks.slack.com"]
tags = ["slack"]

# ---------------------------------------------------------------------------------------------------
# Stripe. Secret keys sk_live_/sk_test_ and restricted keys rk_live_/rk_test_, then alphanumerics (24
# in older keys, up to 99 now); webhook signing secrets whsec_. (Stripe docs, "API keys", "Check the
# webhook signatures".)

[[rules]]
id = "stripe-api-key"
description = "Stripe secret or restricted API key"
regex = '''\\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,247})\\b'''
entropy = 3
keywords = ["sk_live_", "sk_test_", "rk_live_", "rk_test_"]
tags = ["stripe"]

[[rules]]
id = "stripe-webhook-secret"
description = "Stripe webhook signing secret"
regex = '''\\b(whsec_[A-Za-z0-9+/]{32,100}={0,2})'''
entropy = 3
keywords = ["whsec_"]
tags = ["stripe"]

# ---------------------------------------------------------------------------------------------------
# Google. API keys are AIza and 35 characters of [0-9A-Za-z_-]. A service-account key file is JSON with
# "type": "service_account", a 40-hex "private_key_id" and a PEM "private_key" (the private-key rule
# below reports the key itself). (Google Cloud docs, "Manage API keys", "Create and delete
# service account keys".)

[[rules]]
id = "google-api-key"
description = "Google API key"
regex = '''\\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)'''
entropy = 3
keywords = ["aiza"]
tags = ["google"]

[[rules]]
id = "gcp-service-account-key"
description = "Google Cloud service-account key file"
regex = '''"private_key_id"\\s*:\\s*"([a-f0-9]{40})"'''
entropy = 3
keywords = ["service_account"]
tags = ["google"]
[[rules.required]]
id = "gcp-service-account-type"
[[rules.required]]
id = "gcp-service-account-private-key"

[[rules]]
id = "gcp-service-account-type"
description = "the type of a Google Cloud service-account key file (part of gcp-service-account-key)"
regex = '''"type"\\s*:\\s*"service_account"'''
skipReport = true

[[rules]]
id = "gcp-service-account-private-key"
description = "the private key of a Google Cloud service-account key file (part of gcp-service-account-key)"
regex = '''"private_key"\\s*:\\s*"-----BEGIN[A-Z ]{0,20}PRIVATE KEY-----'''
skipReport = true

# ---------------------------------------------------------------------------------------------------
# Azure. Entra ID (Azure AD) client secrets are 40 characters: 3 of [0-9A-Za-z_~.-], a digit, "Q~",
# then 31 to 34 more. Storage account keys are 64 bytes of base64 (88 characters ending in ==), seen as
# AccountKey= in connection strings; Service Bus and Event Hubs keys as SharedAccessKey= (44
# characters). Shared access signatures carry sv=<version>\u2026&sig=<URL-encoded base64 HMAC>.
# (Microsoft Learn, "Add and manage application credentials", "Configure Azure Storage connection
# strings", "Grant limited access with shared access signatures".)

[[rules]]
id = "azure-ad-client-secret"
description = "Azure AD (Entra ID) application client secret"
regex = '''(?:^|[^0-9A-Za-z_~.-])([0-9A-Za-z_~.-]{3}[0-9]Q~[0-9A-Za-z_~.-]{31,34})(?:[^0-9A-Za-z_~.-]|$)'''
entropy = 3
keywords = ["q~"]
tags = ["azure"]

[[rules]]
id = "azure-storage-account-key"
description = "Azure storage account key"
regex = '''(?i)\\bAccountKey\\s*=\\s*([A-Za-z0-9+/]{86}==)'''
entropy = 3
keywords = ["accountkey"]
tags = ["azure"]
[[rules.allowlists]]
description = "the storage emulator's published development account"
regexTarget = "line"
regexes = ['''devstoreaccount1''']

[[rules]]
id = "azure-shared-access-key"
description = "Azure Service Bus or Event Hubs shared access key"
regex = '''(?i)\\bSharedAccessKey\\s*=\\s*([A-Za-z0-9+/]{43}=)'''
entropy = 3
keywords = ["sharedaccesskey"]
tags = ["azure"]

[[rules]]
id = "azure-sas-token"
description = "Azure shared access signature (SAS) token"
regex = '''(?i)\\bsv=[0-9]{4}-[0-9]{2}-[0-9]{2}&[^\\s"'<>\\x60]{0,400}?\\bsig=([A-Za-z0-9%+/]{40,90}={0,2})'''
entropy = 3
keywords = ["sig="]
tags = ["azure"]

# ---------------------------------------------------------------------------------------------------
# JSON Web Tokens: three base64url segments joined by dots; the header and payload are JSON objects,
# so both start with "eyJ" ({" encoded). (RFC 7519 and RFC 7515, compact serialization.)

[[rules]]
id = "jwt"
description = "JSON Web Token"
regex = '''\\b(eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,})(?:[^A-Za-z0-9_-]|$)'''
entropy = 3
keywords = ["eyj"]
tags = ["jwt"]

# ---------------------------------------------------------------------------------------------------
# Private keys in PEM (RFC 7468) and OpenPGP armor (RFC 4880): -----BEGIN <kind> PRIVATE KEY----- for
# PKCS#8 (no kind), RSA, EC, DSA, OPENSSH, ENCRYPTED, and -----BEGIN PGP PRIVATE KEY BLOCK-----, then
# optional headers (Proc-Type, DEK-Info, Version, Comment), base64 lines and the END line. The body may
# be on real lines or, inside JSON or code, joined by \\n escapes. The secret is the body.

[[rules]]
id = "private-key"
description = "Private key (PEM or PGP)"
regex = '''-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----((?:\\s|\\\\[rn]|[A-Za-z][A-Za-z-]{1,30}: [^\\r\\n\\\\]*)*[A-Za-z0-9+/=]{40,}(?:\\s|\\\\[rn]|[A-Za-z0-9+/=])*?)\\s*-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----'''
entropy = 3.5
keywords = ["private key"]
tags = ["private-key"]

# ---------------------------------------------------------------------------------------------------
# Package registries. npm access tokens are npm_ and 36 base62 characters (granular and classic), and
# .npmrc holds them as _authToken=. PyPI API tokens are pypi- and a base64url macaroon that starts with
# AgEIcHlwaS5vcmc (pypi.org; AgENdGVzdC5weXBpLm9yZw for test.pypi.org). (npm Docs, "About access
# tokens"; PyPI help, "API tokens".)

[[rules]]
id = "npm-access-token"
description = "npm access token"
regex = '''\\b(npm_[A-Za-z0-9]{36})\\b'''
entropy = 3
keywords = ["npm_"]
tags = ["npm"]

[[rules]]
id = "npmrc-auth-token"
description = "npm registry token in an .npmrc"
regex = '''(?i)_authToken\\s*=\\s*["']?([A-Za-z0-9_.+/=-]{20,})'''
entropy = 3
keywords = ["_authtoken"]
tags = ["npm"]

[[rules]]
id = "pypi-upload-token"
description = "PyPI API token"
regex = '''\\b(pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,})'''
entropy = 3
keywords = ["pypi-age"]
tags = ["pypi"]

# ---------------------------------------------------------------------------------------------------
# AI providers. OpenAI keys: project sk-proj-, service-account sk-svcacct-, admin sk-admin-, then
# base64url characters; legacy user keys sk- with 20 alphanumerics, T3BlbkFJ ("OpenAI" in base64), 20
# more. Anthropic keys: sk-ant-api03- (API) and sk-ant-admin01- (Admin API), 93 base64url characters,
# then AA. (OpenAI Platform docs, "API keys"; Anthropic docs, "API keys" and "Admin API".)

[[rules]]
id = "openai-api-key"
description = "OpenAI API key"
regex = '''\\b(sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}))(?:[^A-Za-z0-9_-]|$)'''
entropy = 3.5
keywords = ["t3blbkfj", "sk-proj-", "sk-svcacct-", "sk-admin-"]
tags = ["openai"]

[[rules]]
id = "anthropic-api-key"
description = "Anthropic API key"
regex = '''\\b(sk-ant-api[0-9]{2}-[A-Za-z0-9_-]{90,100}AA)(?:[^A-Za-z0-9_-]|$)'''
entropy = 3.5
keywords = ["sk-ant-api"]
tags = ["anthropic"]

[[rules]]
id = "anthropic-admin-key"
description = "Anthropic Admin API key"
regex = '''\\b(sk-ant-admin[0-9]{2}-[A-Za-z0-9_-]{90,100}AA)(?:[^A-Za-z0-9_-]|$)'''
entropy = 3.5
keywords = ["sk-ant-admin"]
tags = ["anthropic"]

# ---------------------------------------------------------------------------------------------------
# Twilio: API key SIDs SK and account SIDs AC, each followed by 32 lower-case hex characters; auth
# tokens are 32 hex characters, found by the name they are assigned to. (Twilio docs, "API keys",
# "Auth tokens".)

[[rules]]
id = "twilio-api-key"
description = "Twilio API key SID"
regex = '''\\b(SK[0-9a-f]{32})\\b'''
entropy = 3
keywords = ["sk"]
tags = ["twilio"]

[[rules]]
id = "twilio-account-sid"
description = "Twilio account SID"
regex = '''\\b(AC[0-9a-f]{32})\\b'''
entropy = 3
keywords = ["ac"]
tags = ["twilio"]

[[rules]]
id = "twilio-auth-token"
description = "Twilio auth token"
regex = '''(?i)twilio[\\w.-]{0,20}?(?:auth|token|secret)[\\w.-]{0,20}?["'\\x60]?\\s{0,5}(?::|=>|:=|=)\\s{0,5}["'\\x60]?([0-9a-f]{32})\\b'''
entropy = 3
keywords = ["twilio"]
tags = ["twilio"]

# ---------------------------------------------------------------------------------------------------
# SendGrid API keys: SG., 22 base64url characters, ., 43 more. (Twilio SendGrid docs, "API keys".)

[[rules]]
id = "sendgrid-api-key"
description = "SendGrid API key"
regex = '''\\b(SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)'''
entropy = 3
keywords = ["sg."]
tags = ["sendgrid"]

# ---------------------------------------------------------------------------------------------------
# Shopify: shpat_ (Admin API access token), shpca_ (custom app), shppa_ (private app password), shpss_
# (shared secret), each then 32 hex characters. (Shopify dev docs, "About authentication".)

[[rules]]
id = "shopify-token"
description = "Shopify access token or shared secret"
regex = '''\\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\\b'''
entropy = 3
keywords = ["shpat_", "shpca_", "shppa_", "shpss_"]
tags = ["shopify"]

# ---------------------------------------------------------------------------------------------------
# Square: access tokens EAAA and 60 base64url characters; older tokens sq0atp- and 22; application
# secrets sq0csp- and 43. (Square developer docs, "Access tokens and other credentials".)

[[rules]]
id = "square-access-token"
description = "Square access token"
regex = '''\\b(EAAA[A-Za-z0-9_-]{60}|sq0atp-[A-Za-z0-9_-]{22})(?:[^A-Za-z0-9_-]|$)'''
entropy = 3
keywords = ["eaaa", "sq0atp-"]
tags = ["square"]

[[rules]]
id = "square-oauth-secret"
description = "Square application secret"
regex = '''\\b(sq0csp-[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)'''
entropy = 3
keywords = ["sq0csp-"]
tags = ["square"]

# ---------------------------------------------------------------------------------------------------
# Datadog: API keys are 32 hex characters and application keys 40, found by the dd/datadog name they
# are assigned to (DD_API_KEY, DD_APP_KEY, DATADOG_API_KEY, ddApiKey\u2026). (Datadog docs, "API and
# Application Keys".)

[[rules]]
id = "datadog-api-key"
description = "Datadog API or application key"
regex = '''(?i)(?:datadog|\\bdd)[\\w.-]{0,20}?(?:api|app|application)[_.-]?key[\\w.-]{0,10}?["'\\x60]?\\s{0,5}(?::|=>|:=|=)\\s{0,5}["'\\x60]?([a-f0-9]{40}|[a-f0-9]{32})\\b'''
entropy = 3
keywords = ["datadog", "dd_", "dd-", "dd.", "ddapi", "ddapp"]
tags = ["datadog"]

# ---------------------------------------------------------------------------------------------------
# Heroku: API keys are HRKU- and base64url characters; older keys are UUIDs, found by the heroku name
# they are assigned to. (Heroku Dev Center, "Heroku CLI Authentication", "Platform API reference:
# Authorization".)

[[rules]]
id = "heroku-api-key"
description = "Heroku API key"
regex = '''\\b(HRKU-[A-Za-z0-9_-]{50,70})(?:[^A-Za-z0-9_-]|$)'''
entropy = 3
keywords = ["hrku-"]
tags = ["heroku"]

[[rules]]
id = "heroku-api-key-uuid"
description = "Heroku API key (UUID form)"
regex = '''(?i)heroku[\\w.-]{0,20}?(?:api|key|token|secret|auth|password)[\\w.-]{0,20}?["'\\x60]?\\s{0,5}(?::|=>|:=|=)\\s{0,5}["'\\x60]?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\b'''
entropy = 3
keywords = ["heroku"]
tags = ["heroku"]

# ---------------------------------------------------------------------------------------------------
# DigitalOcean: personal access tokens dop_v1_, OAuth tokens doo_v1_, refresh tokens dor_v1_, each then
# 64 hex characters. (DigitalOcean docs, "How to Create a Personal Access Token", OAuth API.)

[[rules]]
id = "digitalocean-token"
description = "DigitalOcean personal access, OAuth or refresh token"
regex = '''\\b(do[por]_v1_[a-f0-9]{64})\\b'''
entropy = 3
keywords = ["dop_v1_", "doo_v1_", "dor_v1_"]
tags = ["digitalocean"]

# ---------------------------------------------------------------------------------------------------
# HashiCorp. Vault tokens: service hvs., batch hvb., recovery hvr., then base64url characters (Vault
# 1.10 and later); older service tokens are s. and 24 alphanumerics, found by the vault name they are
# assigned to. Terraform Cloud / Enterprise API tokens: 14 alphanumerics, .atlasv1., then about 67
# more. (Vault docs, "Tokens"; HCP Terraform docs, "API tokens".)

[[rules]]
id = "vault-token"
description = "HashiCorp Vault token"
regex = '''\\b(hv[sbr]\\.[A-Za-z0-9_-]{24,})(?:[^A-Za-z0-9_-]|$)'''
entropy = 3.5
keywords = ["hvs.", "hvb.", "hvr."]
tags = ["hashicorp"]

[[rules]]
id = "vault-token-legacy"
description = "HashiCorp Vault token (older s. form)"
regex = '''(?i)vault[\\w.-]{0,20}?token[\\w.-]{0,10}?["'\\x60]?\\s{0,5}(?::|=>|:=|=)\\s{0,5}["'\\x60]?(s\\.[A-Za-z0-9]{24})\\b'''
entropy = 3
keywords = ["vault"]
tags = ["hashicorp"]

[[rules]]
id = "terraform-cloud-token"
description = "Terraform Cloud / Enterprise API token"
regex = '''\\b([A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,70})(?:[^A-Za-z0-9_=-]|$)'''
entropy = 3
keywords = ["atlasv1"]
tags = ["hashicorp"]

# ---------------------------------------------------------------------------------------------------
# Databricks personal access tokens: dapi and 32 hex characters, sometimes with a -<digit> suffix.
# (Databricks docs, "Databricks personal access token authentication".)

[[rules]]
id = "databricks-token"
description = "Databricks personal access token"
regex = '''\\b(dapi[a-f0-9]{32}(?:-[0-9])?)\\b'''
entropy = 3
keywords = ["dapi"]
tags = ["databricks"]

# ---------------------------------------------------------------------------------------------------
# Credentials in URLs: scheme://user:password@host (RFC 3986, userinfo). The password is the secret;
# one or two characters (a:b@ in documentation) are not taken for one.
# Named generic so that a specific rule finding the same token (a GitHub token as the password) wins.

[[rules]]
id = "generic-url-credentials"
description = "Password in a URL"
regex = '''\\b[A-Za-z][A-Za-z0-9+.-]{1,20}://([^\\s:@/?#'"<>\\x60\\\\]{1,128}):([^\\s:@/?#'"<>\\x60\\\\]{3,256})@[A-Za-z0-9._~-]{1,255}'''
secretGroup = 2
keywords = ["://"]
tags = ["url"]
[[rules.allowlists]]
description = "placeholder and local-development passwords"
regexes = [
  '''(?i)^(?:\\*+|x+|\\.+|pass|passwd|password|pwd|secret|changeme|admin|root|user|username|guest|test|postgres|mysql|redis|rabbitmq|mongo|example|dummy|sample|token|apikey|api_key|p@ssw0rd|p@ssword)$''',
]
[[rules.allowlists]]
description = "documentation hosts"
regexTarget = "match"
regexes = ['''(?i)@(?:[a-z0-9-]+\\.)*example\\.(?:com|org|net)$''']

# ---------------------------------------------------------------------------------------------------
# Anything else: a high-entropy value assigned to a secret-named key (password, secret, token, api key,
# access key, private key, client secret, credentials), in code, configuration or .env files. The name
# must end in the secret word (api_token, DB_PASSWORD, clientSecret), so token_url or secret_name are
# not taken for secrets; the value must contain a digit, be at least 10 characters, and not look like a
# reference to code (process.env.X, settings.KEY).

[[rules]]
id = "generic-secret"
description = "High-entropy value assigned to a secret-named key"
regex = '''(?i)(?:password|passwd|passphrase|pwd|secret|token|api[_.-]?key|access[_.-]?key|auth[_.-]?key|private[_.-]?key|client[_.-]?secret|credentials?)(?:[_.-]?(?:key[_.-]?base|key|value|str|string|b64|base64|hex|raw))?["'\\x60]?\\s{0,5}(?::|=|:=|=>|\\?=|\\|\\|=)\\s{0,5}["'\\x60]?([A-Za-z0-9_.=/+:~!@#%^&*-]{10,200})(?:["'\\x60;,)\\]}\\s]|\\\\[nrt]|$)'''
entropy = 3.5
keywords = [
  "password",
  "passwd",
  "passphrase",
  "pwd",
  "secret",
  "token",
  "apikey",
  "api_key",
  "api-key",
  "api.key",
  "accesskey",
  "access_key",
  "access-key",
  "access.key",
  "authkey",
  "auth_key",
  "auth-key",
  "privatekey",
  "private_key",
  "private-key",
  "credential",
]
tags = ["generic"]
[[rules.allowlists]]
description = "values without a digit, and references to code"
regexes = [
  '''^[^0-9]*$''',
  '''^[A-Za-z_$][A-Za-z0-9_$]*(?:\\.[A-Za-z_$][A-Za-z0-9_$]*)+$''',
]
`;import{createHash}from"node:crypto";var DEFAULT_POLICY_SOURCE="policies/default.yml",DEFAULT_POLICY_TEXT=`# agentgate's default policy pack.
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
      paths: [.github/agentgate.yml, .github/agentgate.yaml, "policies/**/*.yml", "policies/**/*.yaml", "policies/**/*.toml"]
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
    # runners), else the embedded engine (gitleaks-format rules with RE2 semantics). gitleaks or
    # embedded: that engine only; a required engine that is missing fails the gate. Both read the base
    # commit's .gitleaks.toml when it has one (never the change's own).
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
    # when one side is allowed). The Creative Commons ones cover data packages (caniuse-lite's
    # browser tables, say). npm's UNLICENSED (no licence granted) passes only when listed here; the
    # repository's own packages are never judged.
    licenses: [MIT, MIT-0, ISC, BSD-2-Clause, BSD-3-Clause, 0BSD, Apache-2.0, Unlicense, CC0-1.0, CC-BY-3.0, CC-BY-4.0, Zlib, BlueOak-1.0.0, Python-2.0, PSF-2.0, MPL-2.0]
    # A licence no registry states: fail, or warn (a low-severity finding).
    unknownLicense: fail
    # A registry or advisory database that cannot be reached: fail (the gate cannot vouch for the
    # package), or warn. Either way it is one finding per ecosystem. A failing npm downloads API only
    # skips the downloads check, with a note.
    unreachable: fail
    # Package names exempt from the age, download and name checks and from "unknown licence"
    # (internal packages, say). Known vulnerabilities and a licence outside the list still count.
    allow: []
    # Registry base URLs; point them at internal mirrors (Artifactory, Nexus, Verdaccio) if you have
    # them. npmAdvisories serves POST /-/npm/v1/security/advisories/bulk (known vulnerabilities of npm
    # versions); osv serves OSV's POST /v1/querybatch and GET /v1/vulns/{id} (PyPI, crates.io, Go).
    registries:
      npm: https://registry.npmjs.org
      npmDownloads: https://api.npmjs.org
      pypi: https://pypi.org
      crates: https://crates.io
      go: https://proxy.golang.org
      npmAdvisories: https://registry.npmjs.org
      osv: https://api.osv.dev

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
    # Protected-path changes that only people's commits made (in gate mode, commits without the agent's
    # session trailer or identity): \`review\` reports them for review without blocking; \`block\` blocks
    # them as it does the agent's own.
    humanCommits: review

# What the action does with the agent's work after the gates. A secret found by the gates means
# nothing is pushed, whatever this says.
publish:
  # Blocking findings from the other gates: no-pr (keep the patch and reports as artifacts only), or
  # draft-pr (push and open a draft PR labelled gates:failed for a person to look at).
  onGateFailure: no-pr

# The nightly flaky-test hunter (mode: flaky, agentgate flaky). A fix must make the test pass its
# reruns; \`quarantine: allow\` also lets the agent skip a test it cannot fix: that PR is labelled
# flaky:quarantined, a tracking issue is opened for the test, and the policy gate still reports the skip.
flaky:
  quarantine: deny

# Preparing the work tree before the agent starts: the setup command (input setup-command and
# \`agentgate run --setup\` override \`command\`) runs once in the sandbox, before the baseline tests.
#   allowedDomains: reachable during the setup only, beside network.allowedDomains (e.g. the package
#                   registry); the agent's own commands never reach them.
#   cache.paths:    directories the setup makes (e.g. node_modules, .venv). They are kept after a
#                   successful setup and restored instead of running it again, keyed by the contents
#                   of cache.keyFiles (the lockfiles), the command, the OS and the CPU; never shared
#                   between repositories. Without a key file present, nothing is cached.
setup:
  allowedDomains: []
  cache:
    paths: []
    keyFiles: [package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock, uv.lock, poetry.lock, Pipfile.lock, requirements.txt, go.sum, Cargo.lock, Gemfile.lock]
`,DEFAULT_POLICY_JSON=`{"version":1,"sandbox":"bubblewrap","toolchains":["/opt/hostedtoolcache","/opt/pipx","/opt/pipx_bin","~/.cargo/bin","~/.rustup","~/.nvm/versions","~/.pyenv/versions","~/.local/bin","~/.bun/bin","~/.deno/bin","~/.dotnet","~/go/bin","~/go/pkg/mod"],"tools":{"deny":[],"allow":[{"id":"builtin-tools","description":"the built-in file, search and command tools","tools":["read_file","list_files","search","write_file","edit_file","run_command","run_tests"]}]},"read":{"deny":[{"id":"secret-files","description":"environment files, credentials and secrets are never shown to the model","paths":[".env",".env.*","**/.env","**/.env.*","**/secrets/**","**/.npmrc","**/.pypirc","**/.netrc","**/.git-credentials"],"except":["**/.env.example","**/.env.sample","**/.env.template"]},{"id":"private-keys","description":"private keys and certificates are never shown to the model","paths":["**/*.pem","**/*.key","**/*.p12","**/*.pfx","**/id_rsa*","**/id_dsa*","**/id_ecdsa*","**/id_ed25519*"],"except":[]},{"id":"git-internals","description":"the repository's .git directory holds configuration and hooks, not source","paths":[".git",".git/**"],"except":[]}],"allow":[{"id":"read-repo","description":"everything else in the repository","paths":["**"],"except":[]}]},"write":{"deny":[{"id":"workflows","description":"CI workflows and local actions run with the repository's credentials","paths":[".github/workflows/**",".github/actions/**"],"except":[]},{"id":"codeowners","description":"CODEOWNERS decides who must review a change","paths":["CODEOWNERS",".github/CODEOWNERS","docs/CODEOWNERS"],"except":[]},{"id":"gate-ignores","description":"the gates' ignore files decide which findings are reported","paths":[".gitleaksignore",".semgrepignore",".secretlintignore"],"except":[]},{"id":"gate-configs","description":"the gates' configuration decides what they check","paths":[".gitleaks.toml",".semgrep.yml",".semgrep.yaml",".semgrep/**",".secretlintrc",".secretlintrc.*"],"except":[]},{"id":"policy-files","description":"the agent may not change the policy that governs it","paths":[".github/agentgate.yml",".github/agentgate.yaml","policies/**/*.yml","policies/**/*.yaml","policies/**/*.toml"],"except":[]},{"id":"agent-instructions","description":"instructions for coding agents are written by people, not by the agent","paths":["**/AGENTS.md","**/CLAUDE.md","**/GEMINI.md","**/.cursorrules","**/.cursor/rules/**","**/.windsurfrules","**/.windsurf/rules/**","**/.clinerules","**/.clinerules/**","**/.github/copilot-instructions.md","**/.github/instructions/**","**/.github/prompts/**"],"except":[]},{"id":"auto-run","description":"files an editor or a dev container runs when the repository is opened","paths":["**/.devcontainer/**","**/.devcontainer.json","**/.vscode/tasks.json","**/.vscode/settings.json"],"except":[]},{"id":"submodules","description":"submodule URLs decide what other code a checkout fetches","paths":["**/.gitmodules"],"except":[]}],"allow":[{"id":"write-repo","description":"everything else in the repository","paths":["**"],"except":[]}]},"commands":{"deny":[{"id":"network-clients","description":"commands have no network; fetch nothing and send nothing","executables":["curl","wget","nc","ncat","netcat","ssh","scp","sftp","rsync","ftp","tftp","telnet","socat","aria2c"],"subcommands":[],"options":[],"args":[],"patterns":[]},{"id":"network-redirects","description":"bash's /dev/tcp and /dev/udp open network connections","executables":[],"subcommands":[],"options":[],"args":[],"patterns":["(^|[\\\\s<>&|;'\\"])/dev/(tcp|udp)/","([)}]|\\\\$[A-Za-z_][A-Za-z0-9_]*)/(tcp|udp)/[^\\\\s/]+/"]},{"id":"privilege-escalation","description":"commands run as the current user only","executables":["sudo","su","doas","pkexec","runuser"],"subcommands":[],"options":[],"args":[],"patterns":[]},{"id":"git-push","description":"agentgate publishes the work itself; the agent never pushes","executables":["git"],"subcommands":["push","send-pack"],"options":[],"args":[],"patterns":[]},{"id":"git-config","description":"git configuration (including -c) can run programs and change where git sends data","executables":["git"],"subcommands":["config"],"options":["-c.*","--config-env(=.*)?"],"args":[],"patterns":[]},{"id":"git-remote","description":"the work clone's remotes are managed by agentgate","executables":["git"],"subcommands":["remote","fetch","pull","clone","ls-remote"],"options":[],"args":[],"patterns":[]},{"id":"git-credential","description":"git credentials are never handed to the agent","executables":["git"],"subcommands":["credential(-.*)?"],"options":[],"args":[],"patterns":[]},{"id":"package-publish","description":"publishing and registry account commands are for people","executables":["npm","pnpm","yarn","cargo"],"subcommands":["publish","unpublish","deprecate","dist-tag","owner","adduser","login","token"],"options":[],"args":[],"patterns":[]}],"allow":[{"id":"dev-tools","description":"build, test, version-control and text tools","executables":["node","npm","npx","pnpm","yarn","tsc","vitest","jest","python","python3","pytest","pip","go","cargo","rustc","make","git","ls","cat","head","tail","wc","grep","rg","find","sed","awk","sort","uniq","cut","tr","diff","cmp","echo","printf","mkdir","cp","mv","rm","touch","ln","chmod","basename","dirname","realpath","tee","xxd","sha256sum","date","sleep","jq","sh","bash","cd","pwd","test","[","true","false","export","set","exit","which","env","time","nice","timeout","xargs"],"patterns":[]}]},"network":{"allowedDomains":[]},"env":{"allow":["PATH","HOME","USER","LANG","LANGUAGE","LC_*","TERM","TZ","TMPDIR","CI","NODE_ENV","NO_COLOR","FORCE_COLOR","GOPATH","GOCACHE","GOMODCACHE","GOFLAGS","CARGO_HOME","RUSTUP_HOME","JAVA_HOME"],"secret":["GITHUB_TOKEN","GH_TOKEN","ANTHROPIC_API_KEY","ACTIONS_*","AWS_*","*_TOKEN","*-TOKEN","*_SECRET","*_SECRET_*","*_PASSWORD","*_PASSWD","*_KEY","*-KEY","*_CREDENTIALS"]},"mcp":{"servers":{}},"gates":{"blockOn":["critical","high"],"timeoutSeconds":300,"secrets":{"engine":"auto","patterns":[]},"sast":{"engine":"auto"},"dependencies":{"minAgeDays":3,"minWeeklyDownloads":50,"licenses":["MIT","MIT-0","ISC","BSD-2-Clause","BSD-3-Clause","0BSD","Apache-2.0","Unlicense","CC0-1.0","CC-BY-3.0","CC-BY-4.0","Zlib","BlueOak-1.0.0","Python-2.0","PSF-2.0","MPL-2.0"],"unknownLicense":"fail","unreachable":"fail","allow":[],"registries":{"npm":"https://registry.npmjs.org","npmDownloads":"https://api.npmjs.org","pypi":"https://pypi.org","crates":"https://crates.io","go":"https://proxy.golang.org","npmAdvisories":"https://registry.npmjs.org","osv":"https://api.osv.dev"}},"changes":{"maxFiles":50,"maxChangedLines":2000,"approvalLabels":["agentgate:approved"],"protectedPaths":{"paths":[],"except":[]},"humanCommits":"review"}},"publish":{"onGateFailure":"no-pr"},"flaky":{"quarantine":"deny"},"setup":{"allowedDomains":[],"cache":{"paths":[],"keyFiles":["package-lock.json","npm-shrinkwrap.json","yarn.lock","pnpm-lock.yaml","bun.lock","uv.lock","poetry.lock","Pipfile.lock","requirements.txt","go.sum","Cargo.lock","Gemfile.lock"]}}}`;var sha256;function loadDefaultPolicy(){return sha256??=createHash("sha256").update(DEFAULT_POLICY_TEXT,"utf8").digest("hex"),{policy:JSON.parse(DEFAULT_POLICY_JSON),source:DEFAULT_POLICY_SOURCE,sha256}}async function loadPolicyFile(file){return(await import("./loader-DY6ZEJ4V.js")).loadPolicyFile(file)}async function parsePolicyText(text,source){return(await import("./loader-DY6ZEJ4V.js")).parsePolicy(text,source)}export{loadDefaultPolicy,SAST_PACK,AST_GREP_RULES_JSON,AST_GREP_LANGUAGE_GLOBS,SECRETS_PACK_SOURCE,SECRETS_PACK_TEXT,loadPolicyFile,parsePolicyText};
