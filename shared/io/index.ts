/** File input helpers: fast numbered line reading and progress on stderr. */
export {
  DEFAULT_MAX_LINE_BYTES,
  readLineBatches,
  readLines,
  type LineBatch,
  type NumberedLine,
  type OverlongLine,
  type ReadLinesOptions,
} from './lines.ts';
export {
  createProgress,
  formatBytes,
  formatCount,
  formatDuration,
  type ProgressReporter,
  type ProgressOptions,
  type ProgressStream,
} from './progress.ts';
