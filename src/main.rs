use std::io;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

mod cli;
mod cmd;

use cli::Cli;

/// See [`dedup::Allocator`].
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: dedup::Allocator = dedup::Allocator;

/// glibc raises its mmap threshold each time a large block is freed, after which blocks of
/// that size come from the heap and stay resident once freed. The band columns and sort
/// buffers (8 MB each at a million articles) then pile up beside the sketches: a fixed
/// threshold returns them at once, which cut the peak at 1M articles from 1.37 to 1.27 GB
/// (builds without mimalloc only).
fn release_large_blocks_at_once() {
    #[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Whether standard output was closed when the process started (`dedup ... >&-`). The Rust
/// runtime puts /dev/null in its place before `main`, so that a file opened later cannot take
/// its number and receive the report; the report would then vanish with status 0. A
/// constructor, which the C runtime runs before the Rust one, looks first.
#[cfg(target_os = "linux")]
mod closed_stdout {
    use std::sync::atomic::{AtomicBool, Ordering};

    static AT_START: AtomicBool = AtomicBool::new(false);

    extern "C" fn look() {
        // SAFETY: F_GETFD only asks for the descriptor's flags; it fails exactly when the
        // descriptor is not open.
        let closed = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) } == -1;
        AT_START.store(closed, Ordering::Relaxed);
    }

    #[used]
    #[unsafe(link_section = ".init_array")]
    static LOOK: extern "C" fn() = look;

    pub fn at_start() -> bool {
        AT_START.load(Ordering::Relaxed)
    }
}

pub fn stdout_closed_at_start() -> bool {
    #[cfg(target_os = "linux")]
    return closed_stdout::at_start();
    #[cfg(not(target_os = "linux"))]
    false
}

/// A damaged index can make redb panic; the index turns that into an error, which is reported
/// in one line, so the panic itself is not printed. Every other panic is.
fn quiet_storage_panics() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !dedup::index::in_storage_call() {
            report(info)
        }
    }));
}

fn main() -> ExitCode {
    release_large_blocks_at_once();
    quiet_storage_panics();
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match cmd::run(cli, &matches) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Error messages name paths, which may hold escape sequences too.
            let message = format!("{err:#}");
            eprintln!("dedup: error: {}", dedup::report::escape_control(&message));
            ExitCode::from(cmd::EXIT_ERROR)
        }
    }
}

/// `dedup ... | head` closes the pipe early; that is the reader's choice, not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
