"""POSIX-level probe run by CPython for WASI: every operation prints its result or its
errno name, so the output under wasmtime's own preopen and under Tarbox can be compared."""
import errno
import os

D = "/d"


def t(label, f):
    try:
        print(label, "OK", f())
    except OSError as e:
        print(label, "ERR", errno.errorcode.get(e.errno, e.errno))


with open(D + "/in.txt", "w") as f:
    f.write("inside\n")
os.mkdir(D + "/sub")
t("dotdot", lambda: open(D + "/../outside.txt").read())
t("dotdot-sub", lambda: open(D + "/sub/../../outside.txt").read())
t("dotdot-back", lambda: open(D + "/sub/../in.txt").read())
t("symlink-out", lambda: os.symlink("../outside.txt", D + "/l1"))
t("open-l1", lambda: open(D + "/l1").read())
t("stat-l1", lambda: os.stat(D + "/l1"))
t("lstat-l1", lambda: os.lstat(D + "/l1").st_mode)
t("readlink-l1", lambda: os.readlink(D + "/l1"))
t("symlink-abs", lambda: os.symlink("/etc/passwd", D + "/l2"))
t("symlink-transient", lambda: os.symlink("../d/in.txt", D + "/l3"))
t("open-l3", lambda: open(D + "/l3").read())
t("symlink-in", lambda: os.symlink("sub/../in.txt", D + "/l4"))
t("open-l4", lambda: open(D + "/l4").read())
t("mkdir-out", lambda: os.mkdir(D + "/../newdir"))
t("listdir-dotdot", lambda: os.listdir(D + "/.."))
t("open-dir-wr", lambda: os.open(D + "/sub", os.O_WRONLY))
t("open-excl", lambda: os.open(D + "/in.txt", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
t("open-notdir", lambda: os.open(D + "/in.txt/x", os.O_RDONLY))
t("rmdir-nonempty", lambda: os.rmdir(D + "/sub/.."))
t("unlink-dir", lambda: os.unlink(D + "/sub"))
t("rmdir-file", lambda: os.rmdir(D + "/in.txt"))
t("read-wronly", lambda: os.read(os.open(D + "/in.txt", os.O_WRONLY), 5))
t("write-rdonly", lambda: os.write(os.open(D + "/in.txt", os.O_RDONLY), b"x"))
t("symlink-loop", lambda: (os.symlink("lp", D + "/lp"), open(D + "/lp")))
t("link", lambda: os.link(D + "/in.txt", D + "/hard"))
t("nlink", lambda: os.stat(D + "/hard").st_nlink)
t("link-out", lambda: os.link(D + "/in.txt", D + "/../hard2"))
t("rename-out", lambda: os.rename(D + "/hard", D + "/../hard3"))
t("scandir", lambda: sorted((e.name, e.is_dir(), e.is_symlink()) for e in os.scandir(D)))
t("seekhole", lambda: (lambda fd: (os.lseek(fd, 10, 0), os.write(fd, b"Z"), os.fstat(fd).st_size,
                                   os.pread(fd, 11, 0)))(os.open(D + "/h.bin", os.O_CREAT | os.O_RDWR)))
t("trailing-slash-file", lambda: os.stat(D + "/in.txt/"))
t("utime", lambda: (os.utime(D + "/in.txt", ns=(1_000_000_000, 2_000_000_000)),
                    os.stat(D + "/in.txt").st_mtime_ns, os.stat(D + "/in.txt").st_atime_ns))
t("truncate", lambda: (os.truncate(D + "/h.bin", 3), os.stat(D + "/h.bin").st_size))
t("append-tell", lambda: (lambda fd: (os.write(fd, b"abc"), os.lseek(fd, 0, 1)))(
    os.open(D + "/h.bin", os.O_WRONLY | os.O_APPEND)))
t("read-dir", lambda: os.read(os.open(D + "/sub", os.O_RDONLY), 1))
t("open-nofollow", lambda: os.open(D + "/l4", os.O_RDONLY | os.O_NOFOLLOW))
t("replace", lambda: (open(D + "/new.txt", "w").write("new"), os.replace(D + "/new.txt", D + "/in.txt"),
                      open(D + "/in.txt").read(), os.stat(D + "/hard").st_nlink))
t("fstat-after-unlink", lambda: (lambda f: (os.unlink(D + "/hard"), f.read()))(open(D + "/hard")))
t("isatty-file", lambda: os.isatty(os.open(D + "/in.txt", os.O_RDONLY)))
t("walk", lambda: [(p, sorted(ds), sorted(fs)) for p, ds, fs in sorted(os.walk(D))])
t("chdir", lambda: (os.chdir(D + "/sub"), open("rel.txt", "w").write("r"), os.listdir(".")))
