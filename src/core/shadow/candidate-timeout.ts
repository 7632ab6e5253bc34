// Raised by a candidate adapter that gave up waiting for a decision (a hung or slow candidate).
// The shadow runner records it as candidate_timeout rather than candidate_error.

export class CandidateTimedOut extends Error {
  override readonly name = 'CandidateTimedOut';
}
