export { queueStateChecksum } from './state-checksum.js';
export {
  SEGMENT_FORMAT,
  SEGMENT_VERSION,
  segmentFileName,
  parseSegment,
  type Segment,
  type SegmentHeader,
} from './segment-format.js';
export { readSegmentDirectory, listSegmentFiles, type SegmentPosition } from './segment-directory.js';
export {
  shipLog,
  followLog,
  restoreShippedLog,
  type ShipLogOptions,
  type ShipLogResult,
  type FollowLogOptions,
} from './ship-log.js';
