// Commit durability: settlements (like holds) commit asynchronously: the statement itself runs
// set_config('synchronous_commit', 'off', true), which lasts until the end of the transaction
// it runs in — its own implicit one, or the caller's when settle joins one (then the whole
// transaction commits asynchronously, including the expiry entries finishHold may book in it).
// Why: the account lock is held until COMMIT returns, so waiting for each settlement's WAL
// fsync would let a busy account settle only one call per disk flush, whatever the CPU.
// What a database crash can cost: settlements of the last few hundred ms (3 × wal_writer_delay)
// are rolled back whole — their holds are pending again and the sweeper releases them — so the
// ledger stays consistent and the customer is simply not charged for those calls (the same
// outcome as the gateway itself crashing before it settles). Money coming IN (top-ups, grants,
// refunds, adjustments) and the expiry job keep synchronous commit, and WAL is flushed in
// order, so once any of those is durable every earlier settlement is too.
// false: settlements set synchronous_commit = on for their transaction instead.
export const SETTLE_ASYNC_COMMIT = true;
