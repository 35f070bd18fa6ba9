// agentgate's version, in the lowest layer that reports it (the gates name their own engine with it);
// the action re-exports it. A test keeps it equal to package.json's.
export const VERSION = '0.1.0';
