// Thin C shim over ncursesw for the TUI module.
//
// Swift cannot import ncurses' macros (A_BOLD, getmaxyx…), its C globals under strict concurrency
// (stdscr, COLORS, COLOR_PAIRS), nor write a cchar_t with an extended colour pair in one call.
// Each of those is wrapped here once, as a `static inline` function with a `dip_` prefix.
// See /work/shared/reference/swift-c-libraries.md ("ncursesw").
#ifndef DIP_CNCURSES_SHIM_H
#define DIP_CNCURSES_SHIM_H

// Must come before the ncurses header: without it cchar_t, setcchar and mvadd_wch are missing.
#define NCURSES_WIDECHAR 1

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/ncurses.h>

// MARK: - Globals read through getters (C globals are not concurrency-safe in Swift)

static inline WINDOW *dip_stdscr(void) { return stdscr; }
static inline int dip_colors(void) { return COLORS; }
static inline int dip_color_pairs(void) { return COLOR_PAIRS; }
static inline int dip_lines(void) { return LINES; }
static inline int dip_cols(void) { return COLS; }
static inline FILE *dip_stdout_file(void) { return stdout; }
static inline FILE *dip_stdin_file(void) { return stdin; }

// MARK: - Attribute macros

static inline attr_t dip_a_normal(void) { return A_NORMAL; }
static inline attr_t dip_a_bold(void) { return A_BOLD; }
static inline attr_t dip_a_dim(void) { return A_DIM; }
static inline attr_t dip_a_reverse(void) { return A_REVERSE; }
static inline attr_t dip_a_underline(void) { return A_UNDERLINE; }

// MARK: - Writing cells with extended colour pairs

/// Writes one wide character at (y, x) with attributes and an extended colour pair (may exceed 32767).
static inline int dip_put_wch(int y, int x, wchar_t ch, attr_t attr, int pair) {
    cchar_t cc;
    wchar_t w[2] = { ch, 0 };
    if (setcchar(&cc, w, attr, 0, &pair) != OK) return ERR;
    return mvadd_wch(y, x, &cc);
}

/// Writes `n` wide characters starting at (y, x); stops at the right edge of the screen.
static inline int dip_put_wstr(int y, int x, const wchar_t *s, int n, attr_t attr, int pair) {
    int cols = COLS;
    for (int i = 0; i < n && x + i < cols; i++) {
        if (dip_put_wch(y, x + i, s[i], attr, pair) != OK) return ERR;
    }
    return OK;
}

/// Sets stdscr's background (used by erase) to a blank in `pair` with `attr`.
static inline void dip_set_background(int pair, attr_t attr) {
    cchar_t cc;
    wchar_t w[2] = { L' ', 0 };
    if (setcchar(&cc, w, attr, 0, &pair) == OK) wbkgrndset(stdscr, &cc);
}

// MARK: - Terminal size

/// Queries the window size of the terminal on `fd` (TIOCGWINSZ). Returns 0 on success.
static inline int dip_get_winsize(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

/// Sets the window size of a terminal (TIOCSWINSZ); used by tests on a pseudo-terminal.
static inline int dip_set_winsize(int fd, int rows, int cols) {
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    ws.ws_row = (unsigned short)rows;
    ws.ws_col = (unsigned short)cols;
    return ioctl(fd, TIOCSWINSZ, &ws);
}

/// Opens a pseudo-terminal pair (Linux /dev/ptmx); used by tests to run the UI without a real terminal.
/// Returns 0 and fills both descriptors, or -1.
static inline int dip_open_pty(int *master, int *slave) {
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    int unlock = 0, n = -1;
    char name[64];
    if (ioctl(m, TIOCSPTLCK, &unlock) != 0 || ioctl(m, TIOCGPTN, &n) != 0) { close(m); return -1; }
    snprintf(name, sizeof name, "/dev/pts/%d", n);
    int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) { close(m); return -1; }
    *master = m;
    *slave = s;
    return 0;
}

/// True when the current locale's codeset is UTF-8 (call after setlocale).
static inline int dip_codeset_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

// MARK: - Crash-path terminal restoration
//
// A fatal signal (a Swift trap is SIGILL/SIGTRAP, plus SIGSEGV, SIGBUS, SIGFPE, SIGABRT) would otherwise
// leave the shell in raw mode on the alternate screen. The handler writes the reset sequences and the saved
// termios (both async-signal-safe), reinstalls the previous handler (e.g. Swift's backtracer) and lets it run.

// The state lives in a function-local static: Swift's importer emits static inline functions (with their
// locals) but not file-scope tentative definitions. Call all three functions from one Swift file.
typedef struct {
    int fd;
    volatile sig_atomic_t fired;
    int have_termios;
    struct termios termios;
    struct sigaction old[65];
} dip_crash_state_t;

static inline dip_crash_state_t *dip_crash_state(void) {
    static dip_crash_state_t state = { .fd = -1 };
    return &state;
}

#define DIP_CRASH_NSIG 6
static inline int dip_crash_signal(int i) {
    static const int sigs[DIP_CRASH_NSIG] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
    return sigs[i];
}

static inline void dip_crash_handler(int sig, siginfo_t *info, void *ctx) {
    (void)ctx;
    static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";
    dip_crash_state_t *st = dip_crash_state();
    st->fired = 1;
    if (st->fd >= 0) {
        ssize_t w = write(st->fd, reset, sizeof reset - 1);
        (void)w;
        if (st->have_termios) tcsetattr(st->fd, TCSANOW, &st->termios);
    }
    if (sig > 0 && sig < 65) sigaction(sig, &st->old[sig], NULL);
    // A signal sent by kill/raise will not repeat by itself: send it again to the previous handler.
    // A synchronous fault re-executes the faulting instruction on return and reaches it that way.
    if (info == NULL || info->si_code <= 0) raise(sig);
}

/// Installs the crash handlers; `fd` is the terminal whose state `tcgetattr` saves now.
static inline void dip_install_crash_restore(int fd) {
    dip_crash_state_t *st = dip_crash_state();
    st->fd = fd;
    st->have_termios = (tcgetattr(fd, &st->termios) == 0);
    for (int i = 0; i < DIP_CRASH_NSIG; i++) {
        int sig = dip_crash_signal(i);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = dip_crash_handler;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, &st->old[sig]);
    }
}

/// True once a crash handler ran: the UI must not draw any more (another thread may still be running).
static inline int dip_crash_fired(void) { return dip_crash_state()->fired != 0; }

/// Puts the previous crash handlers back (normal exit path).
static inline void dip_uninstall_crash_restore(void) {
    dip_crash_state_t *st = dip_crash_state();
    if (st->fd < 0) return;
    for (int i = 0; i < DIP_CRASH_NSIG; i++) {
        int sig = dip_crash_signal(i);
        sigaction(sig, &st->old[sig], NULL);
    }
    st->fd = -1;
}

// MARK: - Opening a screen on arbitrary file descriptors

/// Opens a FILE* on a duplicate of `fd` (so closing it leaves `fd` open). Mode "r" or "w".
static inline FILE *dip_fdopen_dup(int fd, const char *mode) {
    int d = dup(fd);
    if (d < 0) return NULL;
    FILE *f = fdopen(d, mode);
    if (f == NULL) close(d);
    return f;
}

#endif
