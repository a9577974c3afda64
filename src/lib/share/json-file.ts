import * as v from 'valibot';
import { CheckpointFileError } from './import-errors.ts';

/**
 * Parses a JSON file from an untrusted source. A "__proto__" key is refused outright: no file
 * we read has one, and a later copy with spread or assignment would turn it into a prototype.
 * `where` names the file in messages, e.g. `"checkpoint.json" in "run.zip"`.
 */
export function parseJsonFile(bytes: Uint8Array, where: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw malformed(where, 'it is not UTF-8 text', cause);
  }
  let unsafe = false;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, item: unknown) => {
      if (key === '__proto__') unsafe = true;
      return item;
    });
  } catch (cause) {
    throw malformed(where, (cause as Error).message, cause);
  }
  if (unsafe) {
    throw new CheckpointFileError('unsafe-json', `The file ${where} contains a "__proto__" key, which no checkpoint or model file has; the file was altered, so it is refused.`);
  }
  return value;
}

/**
 * Checks a parsed file against its schema; the message names the first field that is wrong.
 * `what` completes "is not ...", `advice` says what to do.
 */
export function parseWithSchema<const S extends v.GenericSchema>(schema: S, value: unknown, where: string, what: string, advice: string): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  // A strict object reports an unknown key as "Expected never"; say it in words.
  const detail =
    issue.expected === 'never' ? `it has a field "${path}" that this version does not know` : path ? `the field "${path}" is wrong (${issue.message})` : issue.message;
  throw new CheckpointFileError('schema', `The file ${where} is not ${what}: ${detail}. ${advice}`);
}

function malformed(where: string, detail: string, cause: unknown): CheckpointFileError {
  return new CheckpointFileError('malformed-json', `The file ${where} is not valid JSON (${detail}); the file is damaged, so export or download it again.`, {
    cause,
  });
}
