import { createRequire as __agentgateCreateRequire } from 'node:module'; const require = __agentgateCreateRequire(import.meta.url);
import{child_process,crypto,fs,os,path,stream,util}from"./chunk-JDO4QNUT.js";import"./chunk-MHTI4EUB.js";export{child_process,crypto,fs,os,path,stream,util};
