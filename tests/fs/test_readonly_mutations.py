#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
Mutation check for the read-only wrapper (a developer tool, not a meson test:
it rebuilds once per mutation). Each mutation removes or weakens one rule of
the table or one filter in src/fs/readonly.c; the read-only tests must then
fail. A mutation
under which every test still passes is reported as a survivor.

Usage: tests/fs/test_readonly_mutations.py [SOURCE_TREE]   (default: this tree)
Works on a copy in a temporary directory; the source tree is not touched.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

EROFS_OPS = ["setattr", "symlink", "mknod", "mkdir", "unlink", "rmdir", "rename", "link",
             "create", "write", "fallocate", "setxattr", "removexattr", "copy_file_range",
             "tmpfile"]

TESTS = ["test_readonly", "test_readonly_opcodes", "test_readonly_host"]
SCRIPT_TESTS = ["fs-ro-syscalls"]


def mutations(src):
    out = []
    for op in EROFS_OPS:
        rule = f".{op} = FS_REFUSE(EROFS),"
        out.append((f"drop .{op} from the table", rule, ""))
        out.append((f"{op} forwarded", rule, f".{op} = FS_FORWARD,"))
    filt = [
        ("open: any access mode", "\tif ((flags & O_ACCMODE) != O_RDONLY)\n\t\treturn -EROFS;\n", ""),
        ("open: O_TRUNC allowed", "(O_TRUNC | O_CREAT)", "(O_CREAT)"),
        ("open: O_CREAT allowed", "(O_TRUNC | O_CREAT)", "(O_TRUNC)"),
        ("open: O_TMPFILE allowed", "\tif (flags & RO_TMPFILE_BIT)\n\t\treturn -EROFS;\n", ""),
        ("open: O_TMPFILE checked as the full constant only",
         "\tif (flags & RO_TMPFILE_BIT)\n", "\tif ((flags & O_TMPFILE) == O_TMPFILE)\n"),
        ("open: kill_suidgid forwarded",
         "\tcopy.open_flags &= ~(uint32_t)FUSE_OPEN_KILL_SUIDGID;\n", ""),
        ("open: no filter", "static int ro_open(void *fs, const struct fs_ctx *c, uint64_t nodeid,\n"
         "\t\t   const struct fuse_open_in *in, struct fuse_open_out *out)\n{\n"
         "\tstruct fuse_open_in copy;\n\tint r = ro_filter_open(in, &copy);",
         "static int ro_open(void *fs, const struct fs_ctx *c, uint64_t nodeid,\n"
         "\t\t   const struct fuse_open_in *in, struct fuse_open_out *out)\n{\n\tstruct fuse_open_in copy = ro_open_in(in);\n\tint r = 0;"),
        ("open: forwarded unchecked", ".open = FS_CHECK(ro_open),", ".open = FS_FORWARD,"),
        ("opendir: no filter", "static int ro_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid,\n"
         "\t\t      const struct fuse_open_in *in, struct fuse_open_out *out)\n{\n"
         "\tstruct fuse_open_in copy;\n\tint r = ro_filter_open(in, &copy);",
         "static int ro_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid,\n"
         "\t\t      const struct fuse_open_in *in, struct fuse_open_out *out)\n{\n\tstruct fuse_open_in copy = ro_open_in(in);\n\tint r = 0;"),
        ("opendir: forwarded unchecked", ".opendir = FS_CHECK(ro_opendir),", ".opendir = FS_FORWARD,"),
        ("access: W_OK delegated", "\tif (mask & W_OK)\n\t\treturn -EROFS;\n", ""),
        ("setupmapping: WRITE delegated",
         "\tif (in->flags & FUSE_SETUPMAPPING_FLAG_WRITE)\n\t\treturn -EROFS;\n", ""),
        ("setupmapping: unknown flags delegated",
         "\tif (in->flags & ~(uint64_t)FUSE_SETUPMAPPING_FLAG_READ)\n\t\treturn -EINVAL;\n", ""),
        ("init: writeback cache kept", "\t*flags &= ~(uint64_t)FUSE_WRITEBACK_CACHE;\n", ""),
        ("statfs: no ST_RDONLY", "\t\t*st_flags |= ST_RDONLY;\n", "\t\t;\n"),
        ("ioctl: forwarded", ".ioctl = FS_REFUSE(ENOTTY),", ".ioctl = FS_FORWARD,"),
        ("syncfs: forwarded", ".syncfs = FS_DONE,", ".syncfs = FS_FORWARD,"),
        ("getlk: forwarded", ".getlk = FS_REFUSE(ENOSYS),", ".getlk = FS_FORWARD,"),
        ("setlk: forwarded", ".setlk = FS_REFUSE(ENOSYS),", ".setlk = FS_FORWARD,"),
    ]
    return out + filt


def run(cmd, cwd, quiet=True):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL if quiet else None,
                          stderr=subprocess.DEVNULL if quiet else None).returncode


def main():
    tree = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), "..", ".."))
    work = tempfile.mkdtemp(prefix="ckrun-mut-")
    try:
        shutil.rmtree(work)
        # build directories only at the top (src/vmm/builder.c is a source file)
        shutil.copytree(tree, work, symlinks=True,
                        ignore=lambda d, names: [n for n in names if n == ".git" or
                                                 (os.path.samefile(d, tree) and
                                                  n.startswith("build"))])
        # unused functions are expected once a table entry is dropped
        if run(["meson", "setup", "build", "-Dwerror=false"], work) != 0:
            sys.exit("meson setup failed")
        listed = subprocess.run(["meson", "test", "-C", "build", "--list"], cwd=work,
                                capture_output=True, text=True).stdout
        scripts = [t for t in SCRIPT_TESTS if t in listed]
        target = os.path.join(work, "src/fs/readonly.c")
        orig = open(target).read()
        survivors, killed = [], 0
        for name, old, new in mutations(orig):
            if orig.count(old) != 1:
                sys.exit(f"mutation '{name}': pattern found {orig.count(old)} times")
            open(target, "w").write(orig.replace(old, new))
            if run(["ninja", "-C", "build", "-j2"], work) != 0:
                sys.exit(f"mutation '{name}' does not build")
            failed = False
            for t in TESTS:
                exe = os.path.join(work, "build/tests/fs", t)
                if os.path.exists(exe) and run([exe], work) != 0:
                    failed = True
                    break
            if not failed and scripts and run(["meson", "test", "-C", "build", "--no-rebuild"]
                                              + scripts, work) != 0:
                failed = True
            print(("killed   " if failed else "SURVIVED ") + name, flush=True)
            if failed:
                killed += 1
            else:
                survivors.append(name)
        open(target, "w").write(orig)
        print(f"{killed} killed, {len(survivors)} survived")
        sys.exit(1 if survivors else 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
