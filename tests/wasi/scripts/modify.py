"""Changes the job's results (for the checkpoint test)."""
import json
import os

with open("/work/job/a/b/data.json", "w") as f:
    json.dump({"name": "changed"}, f)
os.remove("/work/job/a/b/c/notes.txt")
print("modified")
