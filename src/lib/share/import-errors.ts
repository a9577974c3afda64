/**
 * Why a checkpoint or model file was refused. The UI shows `message` as it is, so every
 * message is a full sentence that says what was wrong and what to do; `code` lets the UI
 * and the tests tell the cases apart without parsing text.
 */
export type FileProblem =
  | 'no-files'
  | 'mixed-files'
  | 'empty-file'
  | 'not-a-zip'
  | 'truncated-zip'
  | 'too-large'
  | 'missing-entry'
  | 'malformed-json'
  | 'unsafe-json'
  | 'schema'
  | 'not-a-checkpoint'
  | 'unknown-version'
  | 'layout'
  | 'chunk-size'
  | 'hash-mismatch'
  | 'weights-size'
  | 'config'
  | 'state'
  | 'model-shape'
  | 'unsupported-model';

export class CheckpointFileError extends Error {
  override name = 'CheckpointFileError';
  constructor(
    readonly code: FileProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** "[3, 16]": how every message writes a shape. */
export const formatShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;
