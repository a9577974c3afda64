/**
 * Errors the checkpoint store raises on purpose. Each message is a full sentence that says
 * what happened and what to do, because the UI shows it as it is. Failures that come from
 * IndexedDB itself keep the browser's DOMException as `cause`, unchanged.
 */

/** The caller handed save() something that cannot be stored; a programmer error. */
export class CheckpointInputError extends Error {
  override name = 'CheckpointInputError';
}

/** The state holds NaN or Infinity; saving it would make "latest" point at a diverged model. */
export class NonFiniteCheckpointError extends Error {
  override name = 'NonFiniteCheckpointError';
  constructor(
    readonly step: number,
    readonly what: string,
  ) {
    super(
      `The checkpoint at step ${step} was not saved because ${what} contains NaN or infinite values. ` +
        `Training has diverged: lower the learning rate or resume from an earlier checkpoint, which is unchanged.`,
    );
  }
}

/** IndexedDB refused or aborted a save (quota, disk, closed connection). Nothing was committed. */
export class CheckpointSaveError extends Error {
  override name = 'CheckpointSaveError';
  declare readonly cause: DOMException;
  constructor(
    message: string,
    cause: DOMException,
    /** Tensor bytes the save needed. */
    readonly bytes: number,
  ) {
    super(message, { cause });
  }
}

/**
 * The browser's estimate says the save cannot fit (it needs about twice its size free while it
 * commits). Thrown before anything is written.
 */
export class NotEnoughSpaceError extends Error {
  override name = 'NotEnoughSpaceError';
  constructor(
    message: string,
    /** Tensor bytes the save needed. */
    readonly bytes: number,
    /** Free bytes the browser reported. */
    readonly free: number,
  ) {
    super(message);
  }
}

/** The bytes read back from `temp` differ from the bytes written. Nothing was committed. */
export class CheckpointVerifyError extends Error {
  override name = 'CheckpointVerifyError';
}

/** A committed checkpoint's bytes are damaged or missing. It has been marked corrupt. */
export class CheckpointCorruptError extends Error {
  override name = 'CheckpointCorruptError';
  constructor(
    readonly checkpointId: string,
    readonly step: number,
    /** What is wrong, as a clause such as "chunk 2 of 5 does not match its SHA-256". */
    readonly reason: string,
  ) {
    super(`The checkpoint at step ${step} is damaged (${reason}), so it was not loaded.`);
  }
}

/** The checkpoint was written by a newer version of the app. */
export class UnsupportedFormatError extends Error {
  override name = 'UnsupportedFormatError';
}

export class CheckpointNotFoundError extends Error {
  override name = 'CheckpointNotFoundError';
  constructor(readonly checkpointId: string) {
    super(`There is no checkpoint with id "${checkpointId}"; it may have been deleted in another tab.`);
  }
}

/** Every checkpoint of a run is damaged. */
export class NoIntactCheckpointError extends Error {
  override name = 'NoIntactCheckpointError';
  constructor(
    readonly runId: string,
    readonly skipped: { id: string; step: number; reason: string }[],
  ) {
    super(
      `None of the ${skipped.length} checkpoints of this run could be loaded because all of them are damaged. ` +
        `Start the run again from step 0; the damaged checkpoints can be deleted.`,
    );
  }
}

/** Another tab upgraded the database, or the browser closed it. */
export class StoreClosedError extends Error {
  override name = 'StoreClosedError';
  constructor(options?: ErrorOptions) {
    super(
      'The checkpoint store is closed, because another tab opened a newer version of the playground or the browser closed the database. ' +
        'Reload this tab to keep saving checkpoints.',
      options,
    );
  }
}
