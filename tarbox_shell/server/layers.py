"""Tarbox's layer routes (``<base>/api/v1/layers``...), the diff between two layers, and the
tenant's usage. Each route is one call of the layer API (``sql/functions/50-layer``); a layer is
named by name, tag, id, ``current`` or ``head`` wherever ``{ref}`` appears. Reading a file as of
a layer is ``GET /api/v1/files/{path}?layer=``. A layer as a tar stream and a tar stream as a
new layer are :mod:`.archives`.
"""

from __future__ import annotations


from fastapi import APIRouter, Query, Request, Response

from .context import call
from .models import Change, Layer, LayerNew, LayerSwitch, Problem, Usage

router = APIRouter(tags=["layers"])

ERRORS = {code: {"model": Problem, "description": text} for code, text in {
    400: "invalid name or argument (EINVAL)",
    401: "missing, unknown, expired or revoked bearer token",
    403: "read-only token (EROFS) or not permitted (EPERM: the base layer)",
    404: "no such layer or tag (ENOENT)",
    409: "name taken (EEXIST) or confirmation needed (EBUSY: the current layer is historical)",
    503: "the database is unavailable; retry",
}.items()}

LAYER_COLS = "layer_id, name, description, created_at::text, is_current, is_head, tags"
LAYER_KEYS = ("layer_id", "name", "description", "created_at", "is_current", "is_head", "tags")
REF = "layer name, tag, id, current or head"


def _layers(rows) -> list[dict]:
    return [dict(zip(LAYER_KEYS, r)) for r in rows]


@router.get("/layers", response_model=list[Layer], responses=ERRORS, summary="List layers",
            description="The tenant's layers, oldest first (tarbox.layer_list).")
async def layer_list(request: Request):
    """GET /layers."""
    return _layers(await call(request, False, f"SELECT {LAYER_COLS} FROM tarbox.layer_list()"))


@router.get("/layers/current", response_model=Layer, responses=ERRORS, summary="The current layer",
            description="The layer every mount and call of the tenant sees (tarbox.layer_current).")
async def layer_current(request: Request):
    """GET /layers/current."""
    return _layers(await call(request, False, f"SELECT {LAYER_COLS} FROM tarbox.layer_current()"))[0]


@router.get("/layers/tree", responses=ERRORS, summary="The history with its changes",
            description="Every layer, oldest first, with the number of paths each added (A), modified "
            "(M) and deleted (D) against the layer below it (one query over tarbox.diff).")
async def layer_tree(request: Request):
    """GET /layers/tree."""
    rows = await call(request, False, f"""
        SELECT {', '.join('l.' + c for c in ('layer_id', 'name', 'description'))}, l.created_at::text,
               l.is_current, l.is_head, l.tags, c.a, c.m, c.d
          FROM (SELECT *, lag(layer_id) OVER (ORDER BY layer_id) AS below FROM tarbox.layer_list()) l
          LEFT JOIN LATERAL (
                SELECT count(*) FILTER (WHERE x.change = 'A') AS a, count(*) FILTER (WHERE x.change = 'M') AS m,
                       count(*) FILTER (WHERE x.change = 'D') AS d
                  FROM tarbox.diff(l.below::text, l.layer_id::text) x) c ON l.below IS NOT NULL
         ORDER BY l.layer_id""")
    return [{**dict(zip(LAYER_KEYS, r[:7])), "added": r[7], "modified": r[8], "deleted": r[9]} for r in rows]


@router.get("/layers/{ref}", response_model=Layer, responses=ERRORS, summary="One layer",
            description="The layer a reference names (tarbox.layer_info).")
async def layer_info(request: Request, ref: str):
    """GET /layers/{ref}."""
    return _layers(await call(request, False, f"SELECT {LAYER_COLS} FROM tarbox.layer_info(%s)", (ref,)))[0]


@router.post("/layers", status_code=201, responses=ERRORS, summary="Checkpoint: a new layer",
             description="Freeze the current layer and open a new one on top (O(1)). When the current "
             "layer is historical, `confirm: true` is needed and the later layers are deleted.")
async def layer_new(request: Request, body: LayerNew):
    """POST /layers."""
    rows = await call(request, True, "SELECT layer_id, name, discarded FROM tarbox.layer_new(%s, %s, %s)",
                      (body.name, body.description, body.confirm))
    return dict(zip(("layer_id", "name", "discarded"), rows[0]))


@router.post("/layers/{ref}/switch", response_model=LayerSwitch, responses=ERRORS, summary="Switch layers",
             description="Make the layer current for every mount and call of the tenant (later layers "
             "are kept; a historical layer is read-only).")
async def layer_switch(request: Request, ref: str):
    """POST /layers/{ref}/switch."""
    rows = await call(request, True, "SELECT layer_id, name, read_only FROM tarbox.layer_switch(%s)", (ref,))
    return dict(zip(("layer_id", "name", "read_only"), rows[0]))


@router.delete("/layers/{ref}", responses=ERRORS, summary="Drop a layer",
               description="Drop a layer (merged into the next; the newest one's changes discarded); the "
               "current layer only as `current` with `confirm=true`.")
async def layer_drop(request: Request, ref: str, confirm: bool = False):
    """DELETE /layers/{ref}."""
    rows = await call(request, True, "SELECT layer_id, name FROM tarbox.layer_drop(%s, %s)", (ref, confirm))
    return dict(zip(("layer_id", "name"), rows[0]))


@router.put("/layers/{ref}/tags/{tag}", status_code=204, responses=ERRORS, summary="Tag a layer",
            description="Give the layer the extra name `tag`.")
async def layer_tag(request: Request, ref: str, tag: str):
    """PUT /layers/{ref}/tags/{tag}."""
    await call(request, True, "SELECT tarbox.layer_tag(%s, %s)", (ref, tag))
    return Response(status_code=204)


@router.delete("/tags/{tag}", status_code=204, responses=ERRORS, summary="Remove a tag",
               description="Remove tag `tag` (the layer stays).")
async def layer_untag(request: Request, tag: str):
    """DELETE /tags/{tag}."""
    await call(request, True, "SELECT tarbox.layer_untag(%s)", (tag,))
    return Response(status_code=204)


@router.get("/diff", response_model=list[Change], responses=ERRORS, summary="Diff two layers",
            description="What changed from layer `from` to layer `to` under `path`: one row per path, "
            "A/M/D, sizes and line counts of text files (tarbox.diff).")
async def diff(request: Request, from_: str = Query(..., alias="from", max_length=128, description=REF),
               to: str = Query("current", max_length=128, description=REF),
               path: str = Query("/", max_length=4096, description="only changes under this absolute path")):
    """GET /diff."""
    rows = await call(request, False, "SELECT path, change, type, size_before, size_after, size_delta, "
                      "lines_added, lines_deleted FROM tarbox.diff(%s, %s, %s)", (from_, to, path))
    keys = ("path", "change", "type", "size_before", "size_after", "size_delta", "lines_added", "lines_deleted")
    return [dict(zip(keys, r)) for r in rows]


USAGE_KEYS = ("tenant", "logical_bytes", "referenced_bytes", "unique_bytes", "stored_bytes", "metadata_bytes",
              "garbage_bytes", "inodes", "layers", "blocks", "text_files", "chunks", "dedup_ratio", "used_bytes",
              "used_inodes", "quota_bytes", "quota_inodes", "quota_layers", "text_max_bytes", "text_max_lines")


@router.get("/usage", response_model=Usage, responses=ERRORS, summary="Usage",
            description="The tenant's storage usage, exactly the row of `tarbox.usage()`: logical, referenced, "
            "unique (deduplicated) and stored (compressed) bytes, metadata and garbage bytes, counts of inodes, "
            "layers, blocks, text files and chunks, the dedup ratio, the quota counters and the quotas (null = "
            "unlimited). Nothing is computed here.")
async def usage(request: Request):
    """GET /usage."""
    rows = await call(request, False, f"SELECT {', '.join(USAGE_KEYS)} FROM tarbox.usage()")
    out = dict(zip(USAGE_KEYS, rows[0]))
    if out["dedup_ratio"] is not None:
        out["dedup_ratio"] = float(out["dedup_ratio"])  # numeric arrives as Decimal
    return out
