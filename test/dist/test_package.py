"""The Debian package: tools/build-deb.sh builds it (dpkg-buildpackage -b,
lintian without errors), and the tree it installs, unpacked with
`dpkg-deb -x` into a temporary root, holds what the package promises and
works: mcr --check on the shipped example, the unit verifies, the man pages
render, mcr-ctl's completion parses."""

import glob
import os
import shutil
import subprocess
import tempfile
import time
import unittest

SOURCE_DIR = os.environ.get("MCR_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("MCR_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
OUT = os.path.join(BUILD_DIR, "deb")

PROGRAMS = ["mcr", "mcr-ctl", "mcr-gen", "mcr-sink"]
MAN_PAGES = ["man8/mcr.8.gz", "man8/mcr-ctl.8.gz", "man5/mcr.yaml.5.gz", "man1/mcr-gen.1.gz",
             "man1/mcr-sink.1.gz"]


def run(*cmd, **kw):
    return subprocess.run(list(cmd), capture_output=True, text=True, **kw)


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start = time.monotonic()
        r = run(os.path.join(SOURCE_DIR, "tools", "build-deb.sh"), OUT)
        cls.build_seconds = time.monotonic() - start
        cls.build = r
        debs = glob.glob(os.path.join(OUT, "mcr_*.deb"))
        cls.deb = debs[0] if r.returncode == 0 and len(debs) == 1 else None
        cls.root = tempfile.mkdtemp(prefix="mcr-deb-root-")
        if cls.deb:
            subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True)
        print(f"package built in {cls.build_seconds:.0f} s", flush=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def setUp(self):
        if self.deb is None:
            self.fail(f"tools/build-deb.sh failed:\n{self.build.stdout}\n{self.build.stderr}")

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def test_build_and_lintian_without_errors(self):
        # build-deb.sh fails on any lintian error; say what it warned about.
        print(self.build.stdout)
        self.assertIn("build-deb: ", self.build.stdout)
        r = run("lintian", "--fail-on", "error", self.deb)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotRegex(r.stdout, r"(?m)^E: ")

    def test_holds_programs_unit_man_pages_example_and_completion(self):
        for p in PROGRAMS:
            with self.subTest(program=p):
                self.assertTrue(os.access(self.path("usr", "bin", p), os.X_OK))
        for page in MAN_PAGES:
            with self.subTest(page=page):
                self.assertTrue(os.path.isfile(self.path("usr", "share", "man", page)))
        for f in ("lib/systemd/system/mcr@.service", "etc/mcr/example.yaml", "etc/mcr/example.env",
                  "usr/share/bash-completion/completions/mcr-ctl"):
            with self.subTest(file=f):
                self.assertTrue(os.path.isfile(self.path(f)))
        # The XDP program, as BPF ELF beside libxdp's.
        objs = glob.glob(self.path("usr", "lib", "*", "bpf", "mcr_xdp.bpf.o"))
        self.assertEqual(len(objs), 1)
        r = run("file", "-b", objs[0])
        self.assertIn("eBPF", r.stdout)
        # Files in /etc are the administrator's: conffiles.
        with tempfile.TemporaryDirectory() as ctrl:
            subprocess.run(["dpkg-deb", "-e", self.deb, ctrl], check=True)
            with open(os.path.join(ctrl, "conffiles")) as f:
                self.assertEqual(sorted(f.read().split()),
                                 ["/etc/mcr/example.env", "/etc/mcr/example.yaml"])

    def test_depends_on_runtime_libraries_not_dev_packages(self):
        depends = run("dpkg-deb", "-f", self.deb, "Depends").stdout
        for lib in ("librte-eal23", "librte-net-af-xdp23", "librte-net-af-packet23", "libbpf1",
                    "libyaml-cpp0.7", "libfmt9", "libcap2", "libsystemd0"):
            with self.subTest(lib=lib):
                self.assertIn(lib, depends)
        self.assertNotIn("-dev", depends)

    def test_apt_can_install_it(self):
        # What the README says, simulated: every dependency resolves.
        r = run("apt-get", "install", "--simulate", "--no-install-recommends", self.deb)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"(?m)^Inst mcr ")

    def test_installed_mcr_checks_the_shipped_example(self):
        example = self.path("etc", "mcr", "example.yaml")
        r = run(self.path("usr", "bin", "mcr"), "--", "--config", example, "--check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, f"{example}: ok (2 ports, 2 rules)\n")
        # The example is commented: every key is explained.
        with open(example) as f:
            self.assertGreater(sum(1 for line in f if "#" in line), 30)

    def test_installed_unit_verifies(self):
        with open(self.path("lib", "systemd", "system", "mcr@.service")) as f:
            unit = f.read()
        self.assertIn("ExecStart=/usr/bin/mcr ", unit)
        self.assertIn("EnvironmentFile=/etc/mcr/%i.env", unit)
        self.assertIn("--config /etc/mcr/%i.yaml", unit)
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "mcr@lab.service")
            with open(copy, "w") as f:
                f.write(unit.replace("ExecStart=/usr/bin/mcr ",
                                     f"ExecStart={self.path('usr', 'bin', 'mcr')} "))
            r = run("systemd-analyze", "verify", "--man=no", copy)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))

    def test_installed_man_pages_render_without_warnings(self):
        for page in MAN_PAGES:
            with self.subTest(page=page):
                r = run("man", "--warnings", "-l", self.path("usr", "share", "man", page),
                        env={**os.environ, "MANWIDTH": "80", "MANPAGER": "cat",
                             "LC_ALL": "C.UTF-8"})
                self.assertEqual((r.returncode, r.stderr), (0, ""))
                self.assertIn("NAME", r.stdout)

    def test_completion_parses_and_completes_commands(self):
        script = self.path("usr", "share", "bash-completion", "completions", "mcr-ctl")
        r = run("bash", "-c", f"source {script}; COMP_WORDS=(mcr-ctl show po); COMP_CWORD=2; "
                "_mcr_ctl; echo ${COMPREPLY[@]}")
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "port pools"), r.stderr)


if __name__ == "__main__":
    unittest.main()
