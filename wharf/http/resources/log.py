"""The log, for outsiders to check (README, "Checking the log from outside"): its signed
checkpoint and key, proofs of inclusion and consistency, and the public feed of roles."""

import base64

import falcon

from wharf.http import body
from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.resources import Resource
from wharf.http.schemas.common import dump
from wharf.http.schemas.log import (
    ConsistencyProof,
    ConsistencyQuery,
    InclusionProof,
    InclusionQuery,
    PublicFeed,
    PublicFeedQuery,
)
from wharf.projections import public_feed

TEXT = "text/plain; charset=utf-8"


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def _cached_if(sizes_given: bool) -> list[str]:
    """A proof between given sizes never changes (the tree only grows); one against the size
    now does."""
    return ["public", "max-age=86400"] if sizes_given else ["no-cache"]


class CheckpointResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "The log's checkpoint now: a C2SP signed note (origin,"
                                 " tree size, root hash, Ed25519 signature)", media=(TEXT,))}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = TEXT
        resp.cache_control = ["no-cache"]
        resp.text = self.wiring.checkpoint()[1]


class KeyResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "The checkpoints' verifier key (name+keyid+key), for"
                                 " witnesses to pin", media=(TEXT,))}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = TEXT
        resp.text = self.wiring.log_keys[0].verifier_key + "\n"


class InclusionResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "Proof that an entry is in the tree of a size (RFC"
                                 " 9162)", 200, None, InclusionProof, (400,),
                                 query=InclusionQuery)}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        params = body.query(req, InclusionQuery)
        proof = self.wiring.log_tree.inclusion(params["index"], params["size"])
        resp.cache_control = _cached_if(params["size"] is not None)
        resp.media = dump(InclusionProof, {
            "index": proof.first, "size": proof.size, "leaf_hash": b64(proof.first_hash),
            "root_hash": b64(proof.root), "hashes": [b64(h) for h in proof.path]})


class ConsistencyResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "Proof that the tree of one size extends the tree of"
                                 " a smaller one (RFC 9162)", 200, None, ConsistencyProof,
                                 (400,), query=ConsistencyQuery)}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        params = body.query(req, ConsistencyQuery)
        proof = self.wiring.log_tree.consistency(params["first"], params["second"])
        resp.cache_control = _cached_if(params["second"] is not None)
        resp.media = dump(ConsistencyProof, {
            "first": proof.first, "second": proof.size, "first_root": b64(proof.first_hash),
            "second_root": b64(proof.root), "hashes": [b64(h) for h in proof.path]})


class PublicFeedResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "Projects created and roles given, changed or removed,"
                                 " oldest first, each with its inclusion proof in the"
                                 " checkpoint given", 200, None, PublicFeed, (400,),
                                 query=PublicFeedQuery)}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        params = body.query(req, PublicFeedQuery)
        tree = self.wiring.log_tree
        size = tree.size()
        feed = public_feed.PublicFeed(self.wiring.db)
        entries = feed.entries(params["since"], size, params["limit"])
        paths = tree.inclusions([e["log_index"] for e in entries], size)
        full = len(entries) == params["limit"]
        checkpoint, signed = self.wiring.checkpoint(size)
        resp.cache_control = ["no-cache"]
        resp.media = dump(PublicFeed, {
            "checkpoint": signed, "size": size, "root_hash": b64(checkpoint.root),
            "entries": [{**e, "leaf_hash": b64(e["leaf_hash"]),
                         "inclusion": [b64(h) for h in paths[e["log_index"]]]} for e in entries],
            "next_since": entries[-1]["log_index"] + 1 if full else max(size, params["since"])})
