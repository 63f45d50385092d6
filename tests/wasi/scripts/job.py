"""A small agent job: directories, writes, appends, seeks, renames, listing, stats, deletes
and a JSON round trip, all under /work/job; prints a JSON summary of what it sees."""
import json
import os

root = "/work/job"
os.makedirs(root + "/a/b/c")
with open(root + "/a/notes.txt", "w") as f:
    f.write("line 1\n")
with open(root + "/a/notes.txt", "a") as f:
    f.write("line 2\n")
with open(root + "/a/notes.txt", "r+") as f:
    f.seek(5)
    f.write("X")
with open(root + "/data.bin", "wb") as f:
    f.seek(100_000)
    f.write(b"end")
with open(root + "/data.bin", "rb") as f:
    f.seek(-3, 2)
    tail = f.read()
data = {"name": "tarbox", "numbers": list(range(10)), "nested": {"ok": True, "pi": 3.25},
        "text": "h\u00e9llo \u2713"}
with open(root + "/a/b/data.json", "w", encoding="utf-8") as f:
    json.dump(data, f, ensure_ascii=False)
with open(root + "/a/b/data.json", encoding="utf-8") as f:
    assert json.load(f) == data
os.rename(root + "/a/notes.txt", root + "/a/b/c/notes.txt")
with open(root + "/tmp.txt", "w") as f:
    f.write("temporary")
os.remove(root + "/tmp.txt")
os.mkdir(root + "/gone")
os.rmdir(root + "/gone")
st = os.stat(root + "/data.bin")
print(json.dumps({
    "listing": sorted(os.listdir(root)),
    "walk": [[d, sorted(ds), sorted(fs)] for d, ds, fs in sorted(os.walk(root))],
    "size": st.st_size, "tail": tail.decode(),
    "notes": open(root + "/a/b/c/notes.txt").read(),
    "isdir": os.path.isdir(root + "/a/b"), "tmp_exists": os.path.exists(root + "/tmp.txt"),
}, sort_keys=True))
