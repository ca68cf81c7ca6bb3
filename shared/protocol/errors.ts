/** Error codes the server answers with, beyond JSON-RPC's own. Messages always say what to do. */
import { ErrorCodes } from 'vscode-languageserver-protocol';
import type { z } from 'zod';

export const NootropicErrorCodes = {
  InvalidParams: ErrorCodes.InvalidParams,
  InternalError: ErrorCodes.InternalError,
  MethodNotFound: ErrorCodes.MethodNotFound,
  RequestCancelled: -32800,
  /** The request needs a workspace folder and the client opened none. */
  NoWorkspace: -32001,
  /** A configured endpoint is refused by policy (e.g. cloud use not opted into). */
  PolicyRefused: -32002,
  /** No model in the role's fallback chain answered; `data.attempts` says why each failed. */
  ModelUnavailable: -32003,
  /** The question alone does not fit the model's context window. */
  PromptTooLarge: -32004,
  /** Restricted mode (untrusted workspace): agents make no writes and run no commands. */
  Restricted: -32005,
  /** project-spec.yaml (or a TaskGraph) is invalid; `data` has `{ file, line, column }`. Nothing was run. */
  SpecInvalid: -32006,
} as const;

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}

/** "params.root: expected string, received number" — names the field a person has to fix. */
export function describeZodError(prefix: string, error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      // Paths and messages can carry input (a field name): bounded, so an error never echoes a huge value.
      const path = [prefix, ...issue.path.map((p) => clip(String(p), 64))].filter(Boolean).join('.');
      return `${path || prefix}: ${clip(issue.message, 300)}`;
    })
    .join('; ');
}
