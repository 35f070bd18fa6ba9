import { createRequire as __agentgateCreateRequire } from 'node:module'; const require = __agentgateCreateRequire(import.meta.url);
import{parseFlags,subcommandArgs}from"./chunk-VV7UGZNN.js";import{verifyTraceFile}from"./chunk-XIGJZCUV.js";import{UsageError}from"./chunk-EOLZ3IXA.js";import"./chunk-MHTI4EUB.js";var TRACE_HELP=`Usage: agentgate trace verify FILE [--head SHA256]

Checks a session trace (JSONL): every line parses, seq counts up from 0, and each line's
'prev' is the sha256 of the line before it, so an edited, inserted, deleted or reordered
line is detected.

  --head SHA256   also require the last line to hash to this value (result.json's trace.head),
                  which detects lines cut off the end and an edited last line

Exit codes: 0 the chain is intact, 1 it is broken (the first bad line is named), 2 usage.`;async function traceCommand(argv,out){let rest=subcommandArgs("trace","verify",argv,TRACE_HELP,out);if(typeof rest=="number")return rest;let{values,positionals}=parseFlags("trace verify",rest,{head:{type:"string"}},!0);if(values.help)return out(TRACE_HELP),0;let file=positionals[0];if(!file||positionals.length>1)throw new UsageError("agentgate trace verify: expected exactly one FILE");let r=await verifyTraceFile(file).catch(e=>{throw new UsageError(`trace verify: cannot read '${file}': ${e.message}`)});if(values.head!==void 0&&!/^[0-9a-f]{64}$/.test(values.head))throw new UsageError(`--head: expected a sha256 in hex (64 characters), got '${values.head}'`);return r.ok&&values.head!==void 0&&r.head!==values.head?(out(`broken: ${file}: the last line (${r.lines}) does not hash to --head: lines were cut off or the last line was edited`),1):r.ok?(out(`ok: ${file}: ${r.lines} lines, chain intact (head ${r.head.slice(0,16)})`),0):(out(`broken: ${file}: line ${r.line}: ${r.reason}`),1)}export{TRACE_HELP,traceCommand};
