/** Typed errors: each says what went wrong and what to do, and carries the CLI exit code it maps to. */

/** 1: a failure was found (build broke, smoke failed, archive unreachable). 2: bad usage or bad input. */
export type FailureExit = 1 | 2;

export interface CgpuErrorInit {
  /** Stable machine-readable code, e.g. `KERNEL_SPEC_UNKNOWN`. */
  code: string;
  /** What went wrong, one sentence. */
  message: string;
  /** What the user can do about it. */
  hint?: string;
  exitCode?: FailureExit;
  /** Extra data for `--json` output. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class CgpuError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: FailureExit;
  readonly details: Record<string, unknown>;

  constructor(init: CgpuErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'CgpuError';
    this.code = init.code;
    this.hint = init.hint;
    this.exitCode = init.exitCode ?? 1;
    this.details = init.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, exitCode: this.exitCode, ...this.details };
  }
}

/** Bad usage or bad input: exit code 2. */
export class UsageError extends CgpuError {
  constructor(init: Omit<CgpuErrorInit, 'exitCode'>) {
    super({ ...init, exitCode: 2 });
    this.name = 'UsageError';
  }
}

/** The user pressed Ctrl-C (or a caller aborted); clean-up has run. */
export class InterruptedError extends CgpuError {
  constructor(what: string) {
    super({ code: 'INTERRUPTED', message: `interrupted while ${what}`, exitCode: 1 });
    this.name = 'InterruptedError';
  }
}

export function isCgpuError(e: unknown): e is CgpuError {
  return e instanceof CgpuError;
}

/** A short text for any thrown value. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
