//! The thread pool a command runs its work on.

/// Runs `work` on a thread pool of `threads` threads (0: one per core).
pub fn with_threads<T: Send>(
    threads: usize,
    work: impl FnOnce() -> anyhow::Result<T> + Send,
) -> anyhow::Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    pool.install(work)
}
