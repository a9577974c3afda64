/**
 * Errors the engine raises on purpose. Each message is a full sentence that says what was
 * expected and what to do, because it is shown to the user as it is.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  /** The config key that was rejected, so the UI can show the message next to its field. */
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
  constructor(readonly step: number) {
    super(
      `The loss became NaN or infinite at step ${step}. Lower the learning rate or reset the run; ` +
        `checkpoints saved before step ${step} are unaffected.`,
    );
  }
}
