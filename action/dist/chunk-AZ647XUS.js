import { createRequire as __agentgateCreateRequire } from 'node:module'; const require = __agentgateCreateRequire(import.meta.url);
var VERSION="0.1.0",CYCLONEDX_LIBRARY_VERSION="10.3.0";export{VERSION,CYCLONEDX_LIBRARY_VERSION};
