// The model seam. The loop speaks these neutral types; one provider module per vendor maps them.

export interface TextBlock {
  type: 'text';
  text: string;
}
export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}
export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string;
  is_error?: boolean;
}
export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock;

export interface Message {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the tool's input (type: object). */
  input_schema: Record<string, unknown>;
}

export interface ModelRequest {
  model: string;
  system: string;
  messages: Message[];
  tools: ToolSpec[];
  maxTokens: number;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
}

export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'pause_turn'
  | 'refusal'
  | string;

export interface ModelResponse {
  id: string;
  model: string;
  content: ContentBlock[];
  stopReason: StopReason;
  usage: Usage;
}

/** Reported for each failed attempt the provider retries, so the trace can show it. */
export interface RetryEvent {
  /** The attempt that failed, from 1. */
  attempt: number;
  /** The wait before the next attempt. */
  delayMs: number;
  /** Time since the call's first attempt began. */
  elapsedMs: number;
  /** How long the provider keeps retrying, from the first attempt. */
  windowMs: number;
  reason: string;
  status?: number;
}

export interface CallOptions {
  /** Aborts the call, retry waits included (the loop passes the session's remaining time). */
  signal?: AbortSignal;
  /** Absolute epoch ms the call must not outlast: no retry wait starts that would end past it. */
  deadlineMs?: number;
  onRetry?: (e: RetryEvent) => void;
}

export interface LLMProvider {
  readonly name: string;
  createMessage(req: ModelRequest, opts?: CallOptions): Promise<ModelResponse>;
}

/** A provider error the run cannot recover from (bad key, bad request, retry window exhausted). */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}
