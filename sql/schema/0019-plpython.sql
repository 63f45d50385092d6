-- PL/Python, for what Python does better than PL/pgSQL: line diffs (difflib).
CREATE EXTENSION IF NOT EXISTS plpython3u;
