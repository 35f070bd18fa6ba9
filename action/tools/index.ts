import { runCommandTool, runTestsTool } from './commands.js';
import { editFileTool, listFilesTool, readFileTool, searchTool, writeFileTool } from './files.js';
import type { Tool } from './types.js';

/** The built-in tools, in the order the model sees them. */
export const BUILTIN_TOOLS: readonly Tool[] = [
  readFileTool,
  listFilesTool,
  searchTool,
  writeFileTool,
  editFileTool,
  runCommandTool,
  runTestsTool,
] as unknown as readonly Tool[];
