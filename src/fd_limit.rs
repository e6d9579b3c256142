//! The process's open-file limit, named in the errors of a pool that ran out of fds (every
//! camera buffer plane is one dmabuf fd).

/// The soft RLIMIT_NOFILE (`ulimit -n`), or 0 if it cannot be read.
pub fn soft_limit() -> u64 {
    nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .map(|(soft, _)| soft)
        .unwrap_or(0)
}

/// EMFILE or ENFILE: no more fds for this process or the system.
fn exhausted(errno: i32) -> bool {
    errno == libc::EMFILE || errno == libc::ENFILE
}

/// The limit to name in an error, when `errno` says the fds ran out.
pub fn hit(errno: i32) -> Option<u64> {
    exhausted(errno).then(soft_limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_the_one_the_process_runs_under() {
        let (soft, hard) =
            nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
        assert!(soft <= hard);
        assert_eq!(soft_limit(), soft);
        assert!(exhausted(libc::EMFILE) && exhausted(libc::ENFILE) && !exhausted(libc::EBUSY));
        assert_eq!(hit(libc::EMFILE), Some(soft));
        assert_eq!(hit(libc::ENOENT), None);
    }
}
