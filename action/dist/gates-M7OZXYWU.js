import { createRequire as __agentgateCreateRequire } from 'node:module'; const require = __agentgateCreateRequire(import.meta.url);
import{loadPolicyOption}from"./chunk-Q5C5ZAQW.js";import{parseFlags,requireFlag}from"./chunk-VV7UGZNN.js";import{REPORT_FORMATS,renderReport,runGates,writeReports}from"./chunk-66YVTXFR.js";import"./chunk-OH5HQMMC.js";import{UsageError}from"./chunk-EOLZ3IXA.js";import"./chunk-BQBEGDSX.js";import"./chunk-LNNLJ4KY.js";import"./chunk-3ZCBCPTA.js";import"./chunk-CYLSIOIP.js";import"./chunk-AZ647XUS.js";import{GatesInputError}from"./chunk-UMD2QSBV.js";import"./chunk-Q6L5Z5VU.js";import"./chunk-MHTI4EUB.js";var GATES_HELP=`Usage: agentgate gates --repo DIR --base REF [--head REF | --worktree] [options]

Runs the gates (secrets, sast, sbom, dependencies, policy) on the change from --base to --head, and
prints the result. Only what the change touched is scanned; findings on lines it did not add are
reported as pre-existing and do not block.

  --repo DIR        the git repository (default: the current directory)
  --base REF        the branch, tag or commit the change is measured against (required)
  --head REF        the change's ref (default: HEAD)
  --worktree        judge the working tree instead: committed, uncommitted and untracked files
  --policy FILE     the policy file whose 'gates' section applies (default: the built-in pack)
  --full            scan every file at head with the same engines (findings are still judged
                    against the change)
  --label NAME      a label on the change, for the policy's approval condition (repeatable)
  --format FORMAT   what stdout gets: json (default), sarif or markdown
  --out DIR         also write gates.json, gates.sarif, gates.md and sbom.cdx.json into DIR

Exit codes: 0 pass; 1 fail (blocking findings); 2 error (bad input, a base commit missing from a
shallow clone, or a gate whose engine crashed, timed out or was required but missing \u2014 the verdict
is then fail, and the reports are still written).`;async function gatesCommand(argv,deps){let{values}=parseFlags("gates",argv,{repo:{type:"string"},base:{type:"string"},head:{type:"string"},worktree:{type:"boolean"},policy:{type:"string"},full:{type:"boolean"},label:{type:"string",multiple:!0},format:{type:"string"},out:{type:"string"}});if(values.help)return deps.out(GATES_HELP),0;let base=requireFlag("base",values.base,"the branch, tag or commit the change is measured against");if(values.worktree&&values.head!==void 0)throw new UsageError("--head and --worktree exclude each other: judge a ref or the working tree, not both");let format=values.format??"json";if(!REPORT_FORMATS.includes(format))throw new UsageError(`--format: expected one of ${REPORT_FORMATS.join("|")}, got '${values.format}'`);let{policy}=await loadPolicyOption(values.policy);try{let run=await runGates({repo:values.repo??deps.cwd??process.cwd(),base,...values.head!==void 0?{head:values.head}:{},worktree:values.worktree??!1,full:values.full??!1,policy,labels:values.label??[],env:deps.env??process.env,onProgress:m=>deps.err(`agentgate gates: ${m}`)});values.out!==void 0&&await writeReports(values.out,run),deps.out(renderReport(run,format).trimEnd());for(let gate of run.report.gates){let blocking=gate.findings.filter(f=>f.blocking).length,note=(gate.error??`${blocking} blocking, ${gate.findings.length} total`)+(gate.note?`; ${gate.note}`:"");deps.err(`agentgate gates: ${gate.name} ${gate.status} (${gate.engine}, ${gate.durationMs} ms): ${note}`)}deps.err(`agentgate gates: verdict ${run.report.verdict}`);let errored=run.report.gates.filter(g=>g.status==="error");return errored.length>0?(deps.err(`agentgate gates: error: ${errored.map(g=>`${g.name}: ${g.error}`).join("; ")}`),2):run.report.verdict==="pass"?0:1}catch(e){throw e instanceof GatesInputError?new UsageError(e.message):e}}export{GATES_HELP,gatesCommand};
