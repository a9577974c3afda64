/**
 * The data half of the Text demo: a character tokenizer, the name lists, the toy tasks, the
 * student's own text, seeded batches and the entropy helpers. No DOM, no tensors: it runs in
 * the training worker and in Node tests alike.
 */
export { CHAR_VOCAB_VERSION, CharVocab, VocabularyError, type CharVocabJson } from './char-vocab.ts';
export { CUSTOM_TEXT_MAX_BYTES, CUSTOM_TEXT_MAX_VOCAB, CUSTOM_TEXT_MIN_CHARS, validateCustomText, type CustomTextResult } from './custom-text.ts';
export { bigramEntropyBits, bigramEntropyBitsOfTokens, natsToBitsPerChar } from './entropy.ts';
export { NAME_LIST_HEADER_PREFIX, NAME_LISTS, nameListAssetPath, parseNameList, type NameListName } from './name-lists.ts';
export {
  buildTextDataset,
  DEFAULT_TEXT_DATA_CONFIG,
  evaluationWindows,
  TEXT_DATA_FIELDS,
  TEXT_DATASETS,
  textDatasetKind,
  trainingWindows,
  type TextDataConfig,
  type TextDataset,
  type TextDatasetName,
  type TextSources,
} from './text-datasets.ts';
export {
  formatToyExample,
  generateHeldOutExamples,
  generateTrainingExamples,
  isExactMatch,
  isHeldOutPrompt,
  TOY_TASKS,
  toyTaskAlphabet,
  type ToyExample,
  type ToyExampleRequest,
  type ToyTaskName,
  type ToyTaskOptions,
} from './toy-tasks.ts';
export { heldOutWindows, heldOutWindowsAt, newlinePositions, sampleWindows, sampleWindowsAt, type TokenWindows } from './windows.ts';
