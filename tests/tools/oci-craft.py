#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Craft OCI layouts with unusual or hostile layers for the integration tests (t05xx).

Layers are made here from code, never checked in as binaries:

  oci-craft.py layer CASE OUT.tar     write the tar of a named case (see CASES)
  oci-craft.py layout OUT --arch A [--base LAYOUT] [--config-blob FILE] [--no-layers]
               [--missing-blob] LAYER[:none|gzip|zstd|zstd2]...
      an OCI layout with one image tagged "latest": the `latest` layers of --base (a busybox
      fixture) first, then each LAYER tar compressed as asked (zstd2: two zstd frames).
      --config-blob stores that file as the config blob as is (e.g. not JSON);
      --missing-blob leaves the last layer's blob out. prezstd: LAYER is already a tar.zst.
  oci-craft.py bigtar OUT.tar.zst MIB  a layer of one MIB MiB file of zeros (with a few
      non-zero bytes), streamed through `zstd` so it never exists uncompressed.

Everything is deterministic: fixed mtimes, numeric ids, sorted JSON keys.
"""
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

MTIME = 1700000000
# security.capability v2: cap_net_raw (bit 13) permitted + effective flag.
CAP_NET_RAW = bytes.fromhex("01000002" "00200000" "00000000" "00000000" "00000000")


def info(name, kind=tarfile.REGTYPE, mode=0o644, **kw):
    t = tarfile.TarInfo(name)
    t.type = kind
    t.mode = mode
    t.mtime = MTIME
    t.uid = t.gid = 0
    t.uname = t.gname = ""
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def add_file(tf, name, data, mode=0o644, pax=None):
    t = info(name, mode=mode)
    t.size = len(data)
    if pax:
        t.pax_headers = pax
    tf.addfile(t, io.BytesIO(data))


def add(tf, name, kind, **kw):
    tf.addfile(info(name, kind, **kw))


LONG_PAX = "srv/e/long/" + "d" * 90 + "/" + "f" * 150
LONG_GNU = "srv/e/gnu/" + "g" * 120
LONG_TARGET = "t" * 120


def case_edge1(tf):
    add(tf, "srv/e", tarfile.DIRTYPE, mode=0o755)
    add_file(tf, "srv/e/plain.txt", b"from plain tar\n")
    add_file(tf, "srv/e/x", b"file-1\n")
    add(tf, "srv/e/gone", tarfile.DIRTYPE, mode=0o755)
    add_file(tf, "srv/e/gone/a", b"gone\n")
    add_file(tf, "srv/e/h1", b"hardlinked\n")
    add_file(tf, "srv/e/cap", b"#!/bin/sh\necho cap\n", mode=0o755,
             pax={"SCHILY.xattr.security.capability": CAP_NET_RAW.decode("latin-1"),
                  "SCHILY.xattr.user.vessel": "kept"})
    add(tf, "srv/e/null", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3)
    add(tf, "srv/e/loop", tarfile.BLKTYPE, mode=0o660, devmajor=7, devminor=0)
    add(tf, "srv/e/fifo", tarfile.FIFOTYPE, mode=0o644)


def case_edge2(tf):
    add_file(tf, "srv/e/gz.txt", b"from gzip\n")
    add(tf, "srv/e/x", tarfile.DIRTYPE, mode=0o755)  # a file becomes a directory
    add_file(tf, "srv/e/x/inner", b"dir-2\n")
    add(tf, "srv/e/h2", tarfile.LNKTYPE, linkname="srv/e/h1")  # to a lower layer's file
    add_file(tf, "srv/e/.wh.gone", b"")
    add_file(tf, LONG_PAX, b"pax-long\n")


def case_edge3(tf):
    add_file(tf, "srv/e/zst.txt", b"from zstd\n")
    add_file(tf, "srv/e/x", b"file-3\n")  # and back to a file
    add(tf, "srv/e/gnu", tarfile.DIRTYPE, mode=0o755)
    add_file(tf, LONG_GNU, b"gnu-long\n")
    add(tf, "srv/e/lnk", tarfile.SYMTYPE, linkname=LONG_TARGET)
    add(tf, "srv/e/gnu-hard", tarfile.LNKTYPE, linkname=LONG_GNU)


def case_trusted(tf):
    # trusted.* can be set by real root only: an unprivileged build keeps it in the tar.zst.
    add_file(tf, "srv/trusted", b"t\n", pax={"SCHILY.xattr.trusted.vessel": "t"})


def case_dotdot(tf):
    add_file(tf, "srv/../../../../../../../../tmp/vessel-escape-dotdot", b"pwned\n")


def case_symlink_out(tf):
    add(tf, "srv/out", tarfile.SYMTYPE, linkname="../../../../../../../../tmp")
    add_file(tf, "srv/out/vessel-escape-symlink", b"pwned\n")


def case_symlink_abs(tf):
    add(tf, "srv/abs", tarfile.SYMTYPE, linkname="/tmp")
    add_file(tf, "srv/abs/vessel-escape-abs", b"pwned\n")


def case_hardlink_out(tf):
    add(tf, "srv/hl", tarfile.LNKTYPE, linkname="../../../../../../../../etc/passwd")


def case_absolute(tf):
    # An absolute name is relative to the image root, as docker reads it.
    add_file(tf, "/srv/vessel-absolute", b"inside\n")


def odd(tf, name, kind, mode, uid=0, gid=0, mtime=1600000000, data=b"", link="", dev=(0, 0)):
    """An entry of the odd images, every field given (their tests check each one)."""
    t = tarfile.TarInfo(name)
    t.type, t.mode, t.uid, t.gid, t.mtime, t.linkname = kind, mode, uid, gid, mtime, link
    t.devmajor, t.devminor = dev
    t.size = len(data) if kind == tarfile.REGTYPE else 0
    tf.addfile(t, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


D, R, S, L = tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE


def odd_base(tf):
    # what an unprivileged builder cannot create on disk: setuid/setgid, devices, a fifo
    odd(tf, "bin", D, 0o755, mtime=1500000000)
    odd(tf, "bin/su", R, 0o4755, data=b"suid", mtime=1400000000)
    odd(tf, "bin/sgid", R, 0o2711, 0, 42, data=b"sgid")
    odd(tf, "bin/sh", S, 0o777, link="su")
    odd(tf, "dev", D, 0o755)
    odd(tf, "dev/null", tarfile.CHRTYPE, 0o666, dev=(1, 3))


def case_odd_build(tf):
    # t0410: both payloads of one image list the same
    odd_base(tf)
    odd(tf, "dev/sda", tarfile.BLKTYPE, 0o660, 0, 6, dev=(8, 0))
    odd(tf, "dev/fifo", tarfile.FIFOTYPE, 0o620, 1000, 1000)
    odd(tf, "home", D, 0o755)
    odd(tf, "home/app", D, 0o700, 1000, 1000, mtime=1300000000)
    odd(tf, "home/app/a b", R, 0o640, 1000, 1000, data=b"space")
    odd(tf, "home/app/#hash", R, 0o600, 1000, 1000, data=b"hash")
    odd(tf, "home/app/ lead", R, 0o600, 1000, 1000, data=b"lead")
    odd(tf, "home/app/q\"u\\o\tte", R, 0o644, 1000, 1000, data=b"quote")
    odd(tf, "home/app/hard1", R, 0o644, 1000, 1000, data=b"linked")
    odd(tf, "home/app/hard2", L, 0o644, 1000, 1000, link="home/app/hard1")
    odd(tf, "future", R, 0o644, data=b"f", mtime=2000000000)


def case_odd_extract(tf):
    # t0610: `vessel extract` of either payload gives the same tree
    odd_base(tf)
    odd(tf, "dev/fifo", tarfile.FIFOTYPE, 0o620, 1000, 1000)
    odd(tf, "ro", D, 0o555)
    odd(tf, "ro/inside", R, 0o400, data=b"in a read-only dir")
    odd(tf, "home", D, 0o755)
    odd(tf, "home/a b", R, 0o640, 1000, 1000, data=b"space")
    odd(tf, "home/q\"u\\o\tte", R, 0o644, 1000, 1000, data=b"quote")
    odd(tf, "home/hard1", R, 0o644, 1000, 1000, data=b"linked")
    odd(tf, "home/hard2", L, 0o644, 1000, 1000, link="home/hard1")
    odd(tf, "home/hard3", L, 0o644, 1000, 1000, link="home/hard1")


CASES = {
    "edge1": (case_edge1, tarfile.PAX_FORMAT),
    "edge2": (case_edge2, tarfile.PAX_FORMAT),
    "edge3": (case_edge3, tarfile.GNU_FORMAT),
    "trusted": (case_trusted, tarfile.PAX_FORMAT),
    "dotdot": (case_dotdot, tarfile.PAX_FORMAT),
    "symlink-out": (case_symlink_out, tarfile.PAX_FORMAT),
    "symlink-abs": (case_symlink_abs, tarfile.PAX_FORMAT),
    "hardlink-out": (case_hardlink_out, tarfile.PAX_FORMAT),
    "absolute": (case_absolute, tarfile.PAX_FORMAT),
    "odd-build": (case_odd_build, tarfile.PAX_FORMAT),
    "odd-extract": (case_odd_extract, tarfile.PAX_FORMAT),
}


def write_layer(case, out):
    fn, fmt = CASES[case]
    with tarfile.open(out, "w", format=fmt) as tf:
        fn(tf)


def zstd(data, frames=1):
    parts = [data] if frames == 1 else [data[: len(data) // 2], data[len(data) // 2:]]
    out = b""
    for p in parts:
        out += subprocess.run(["zstd", "-q", "-c", "-3"], input=p, stdout=subprocess.PIPE,
                              check=True).stdout
    return out


MT_LAYER = "application/vnd.oci.image.layer.v1.tar"
SUFFIX = {"none": "", "gzip": "+gzip", "zstd": "+zstd", "zstd2": "+zstd"}


class Layout:
    def __init__(self, out):
        self.out = out
        os.makedirs(os.path.join(out, "blobs", "sha256"))
        with open(os.path.join(out, "oci-layout"), "w") as f:
            f.write('{"imageLayoutVersion":"1.0.0"}')

    def put(self, data, store=True):
        h = hashlib.sha256(data).hexdigest()
        if store:
            with open(os.path.join(self.out, "blobs", "sha256", h), "wb") as f:
                f.write(data)
        return {"digest": "sha256:" + h, "size": len(data)}


def doc(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def read_json(path):
    with open(path, "rb") as f:
        return json.load(f)


def base_layers(base):
    """The `latest` image of a fixture layout: its layer descriptors and config."""
    idx = read_json(os.path.join(base, "index.json"))
    for m in idx["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "latest":
            man = read_json(os.path.join(base, "blobs", "sha256", m["digest"][7:]))
            cfg = read_json(os.path.join(base, "blobs", "sha256", man["config"]["digest"][7:]))
            return man["layers"], cfg
    raise SystemExit("oci-craft: %s has no latest tag" % base)


def layout(args):
    out, arch, base, config_blob = args.pop(0), None, None, None
    no_layers = missing = False
    layers = []
    while args:
        a = args.pop(0)
        if a == "--arch":
            arch = args.pop(0)
        elif a == "--base":
            base = args.pop(0)
        elif a == "--config-blob":
            config_blob = args.pop(0)
        elif a == "--no-layers":
            no_layers = True
        elif a == "--missing-blob":
            missing = True
        else:
            layers.append(a)
    lay = Layout(out)
    descs, diff_ids = [], []
    cfg = {"architecture": arch, "os": "linux", "created": "2023-11-14T22:13:20Z",
           "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
           "rootfs": {"type": "layers", "diff_ids": []}}
    if base:
        blayers, cfg = base_layers(base)
        cfg = dict(cfg)
        for d in blayers:
            with open(os.path.join(base, "blobs", "sha256", d["digest"][7:]), "rb") as f:
                data = f.read()
            descs.append(dict(d, **lay.put(data)))
        diff_ids = list(cfg["rootfs"]["diff_ids"])
    for i, spec in enumerate(layers):
        path, _, comp = spec.partition(":")
        comp = comp or "gzip"
        with open(path, "rb") as f:
            tar = f.read()
        if comp == "prezstd":  # already compressed (bigtar): hash what it expands to
            dec = subprocess.Popen(["zstd", "-q", "-d", "-c", path], stdout=subprocess.PIPE)
            h = hashlib.sha256()
            for chunk in iter(lambda: dec.stdout.read(1 << 20), b""):
                h.update(chunk)
            dec.wait()
            diff_ids.append("sha256:" + h.hexdigest())
            blob, comp = tar, "zstd"
        else:
            diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
            blob = {"none": lambda t: t, "gzip": lambda t: gzip.compress(t, mtime=0),
                    "zstd": zstd, "zstd2": lambda t: zstd(t, 2)}[comp](tar)
        last = i == len(layers) - 1
        d = lay.put(blob, store=not (missing and last))
        d["mediaType"] = MT_LAYER + SUFFIX[comp]
        descs.append(d)
    if no_layers:
        descs, diff_ids = [], []
    cfg["architecture"] = arch
    cfg["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    if config_blob:
        with open(config_blob, "rb") as f:
            cblob = lay.put(f.read())
    else:
        cblob = lay.put(doc(cfg))
    cblob["mediaType"] = "application/vnd.oci.image.config.v1+json"
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": cblob, "layers": descs}
    m = lay.put(doc(man))
    m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    m["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
    m["platform"] = {"architecture": arch, "os": "linux"}
    idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
           "manifests": [m]}
    with open(os.path.join(out, "index.json"), "wb") as f:
        f.write(doc(idx))


class Zeros(io.RawIOBase):
    """size bytes of zeros with a marker every GiB/4, produced on demand."""

    def __init__(self, size):
        self.left = size
        self.pos = 0

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        if self.pos % (256 << 20) < n:
            b[0:6] = b"vessel"[: min(6, n)]
        self.pos += n
        self.left -= n
        return n


def bigtar(out, mib):
    size = int(mib) << 20
    with open(out, "wb") as f:
        z = subprocess.Popen(["zstd", "-q", "-c", "-1"], stdin=subprocess.PIPE, stdout=f)
        with tarfile.open(fileobj=z.stdin, mode="w|", format=tarfile.PAX_FORMAT) as tf:
            add(tf, "srv", tarfile.DIRTYPE, mode=0o755)
            t = info("srv/big")
            t.size = size
            tf.addfile(t, io.BufferedReader(Zeros(size), 1 << 20))
        z.stdin.close()
        if z.wait() != 0:
            raise SystemExit("oci-craft: zstd failed")


def main(argv):
    if len(argv) >= 3 and argv[0] == "layer":
        write_layer(argv[1], argv[2])
    elif len(argv) >= 2 and argv[0] == "layout":
        layout(argv[1:])
    elif len(argv) == 3 and argv[0] == "bigtar":
        bigtar(argv[1], argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
