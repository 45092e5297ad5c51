"""Breakdown of the shipped native library by component (scripts/bench-ffi-size).

    ffi-size-breakdown.py BUILT SHIPPED [LABEL=ARCHIVE ...]

Each symbol of BUILT (the library with its symbol table) counts for the component
that defines it: a C library's archive (LABEL=ARCHIVE: every name the archive
defines, local ones too) or a Rust crate (from the demangled path). Data no symbol
names (LLVM's constants, such as chrono-tz's transition tables) counts for the
component whose code refers to it, up to the next referenced address, symbol or
section end. Unwind tables and relocations are shown as they are; what is left of
SHIPPED's size is headers, dynamic symbols, the GOT, padding, and data nothing names
or refers to directly.
"""
import bisect
import collections
import os
import re
import subprocess
import sys

lib, shipped = sys.argv[1], sys.argv[2]
archives = [a for a in sys.argv[3:] if a]  # label=path


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


# C symbols: every name an archive defines (local ones too), by component.
c_owner = {}
for spec in archives:
    label, path = spec.split("=", 1)
    for line in run("nm", "--defined-only", path).splitlines():
        p = line.split()
        if len(p) == 3:
            c_owner.setdefault(p[2], set()).add(label)

# Rust symbols: by the crate their demangled path starts with (uniffi* crates are uniffi).
RUST = [
    ("SQLCipher/SQLite", {"rusqlite", "libsqlite3_sys", "hashlink"}),
    ("crypto provider", {"openssl_sys"}),
    ("Automerge", {"automerge", "hexane"}),
    ("chrono-tz (time-zone data)", {"chrono_tz"}),
    ("Coachline", {"coachline_core", "coachline_ffi"}),
    ("Rust std and generics", {"core", "alloc", "std", "hashbrown", "gimli", "addr2line",
                               "rustc_demangle", "miniz_oxide", "memchr", "std_detect",
                               "object", "panic_unwind", "__rustc"}),
]
crate_re = re.compile(r"^(?:[<&*\[(]|mut |const |dyn |unsafe |extern \"C\" |fn\()*([A-Za-z_][A-Za-z0-9_]*)::")


def component(name, demangled):
    owners = c_owner.get(name)
    if owners and len(owners) == 1:
        return next(iter(owners))
    m = crate_re.match(demangled)
    if not m:
        return "other"
    crate = m.group(1)
    if crate.startswith("uniffi"):
        return "uniffi"
    return next((label for label, crates in RUST if crate in crates), "other Rust crates")


raw = run("nm", "-S", "--defined-only", lib).splitlines()
dem = run("nm", "-S", "--defined-only", "-C", lib).splitlines()
sections = {}
for line in run("readelf", "-SW", lib).splitlines():
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
    if m:
        sections[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16))

sizes = collections.Counter()
starts = []  # (address, end, component) of sized symbols
for r, d in zip(raw, dem):
    p = r.split()
    if len(p) < 4:
        continue
    addr, size = int(p[0], 16), int(p[1], 16)
    comp = component(p[3], d.split(None, 3)[3])
    sizes[comp] += size
    starts.append((addr, addr + size, comp))
starts.sort()
sym_addrs = [s[0] for s in starts]

# Anonymous data (tables LLVM names nothing, such as chrono-tz's transitions): each
# chunk belongs to the component whose code refers to it; a chunk runs to the next
# referenced address, symbol or section end.
func_of = {}
refs = collections.defaultdict(set)
current = None
func_re = re.compile(r"^([0-9a-f]+) <(.+)>:$")
for line in run("objdump", "-d", "--no-show-raw-insn", lib).splitlines():
    m = func_re.match(line)
    if m:
        current = m.group(2)
        continue
    i = line.find("# ")
    if i > 0 and current:
        t = line[i + 2:].split(" ", 1)[0]
        try:
            refs[int(t, 16)].add(current)
        except ValueError:
            pass
comp_of_func = {}
for r, d in zip(raw, dem):
    p = r.split()
    if len(p) >= 4:
        comp_of_func[p[3]] = component(p[3], d.split(None, 3)[3])

data = [(s, e) for n, (s, e) in ((n, (a, a + z)) for n, (a, z) in sections.items())
        if n in (".rodata", ".data.rel.ro", ".data")]
bounds = sorted(set(refs) | set(sym_addrs) | {e for _, e in data})


def covered(a):
    i = bisect.bisect_right(sym_addrs, a) - 1
    return i >= 0 and starts[i][0] <= a < starts[i][1]


for a in sorted(refs):
    sec = next(((s, e) for s, e in data if s <= a < e), None)
    if not sec or covered(a):
        continue
    nxt = bounds[bisect.bisect_right(bounds, a)]
    comps = collections.Counter(comp_of_func.get(f, "other") for f in refs[a])
    owner = max(sorted(comps.items()), key=lambda kv: kv[1])[0]
    sizes[owner] += min(nxt, sec[1]) - a

total = os.path.getsize(shipped)
attributed = sum(sizes.values())
order = ["SQLCipher/SQLite", "crypto provider", "Automerge", "chrono-tz (time-zone data)", "uniffi", "Coachline",
         "Rust std and generics", "other Rust crates", "other"]
print("shipped library by component (symbols, and the unnamed data their code refers to):")
for k in order:
    if sizes[k]:
        print(f"  {k:<58} {sizes[k]:9d}  {sizes[k] / 1048576:5.2f} MiB")

def section_total(pred):
    return sum(z for n, (_, z) in sections.items() if pred(n))


unwind = section_total(lambda n: n.startswith(".eh_frame") or n == ".gcc_except_table")
relocs = section_total(lambda n: n.startswith(".rela") or n.startswith(".relr"))
rest = total - attributed - unwind - relocs
for what, b in (("unwind tables (all code)", unwind), ("relocations", relocs),
                ("the rest: headers, dynamic symbols, GOT, padding, unnamed", rest)):
    print(f"  {what:<58} {b:9d}  {b / 1048576:5.2f} MiB")
