"""GET /api/v1/upstream and the dead-letter list, for supervisors (their own token, checked by
the supervisor's one dependency, gateway/roles)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from pydantic import Field, StrictBool

from gateway.api.contract import answers
from gateway.api.hall_values import ExactlyOne, Ruled
from gateway.roles import SUPERVISOR


class RetryRequest(Ruled):
    rules = (ExactlyOne(("eval_id", "all"), "give either eval_id or all: true", given={"all": {"const": True}}),)
    example = {"all": True}
    eval_id: str | None = Field(default=None, min_length=1, max_length=200)
    all: StrictBool = False


def router(service) -> APIRouter:
    r = APIRouter(dependencies=[Depends(SUPERVISOR)])

    @r.get("/api/v1/upstream", responses=answers(401, 422),
           summary="Delivery to the provincial 好差评 platform (supervisor)")
    def upstream():
        return service.status()

    @r.get("/api/v1/upstream/dead-letter", responses=answers(401, 422),
           summary="Records the platform refused for good, with the reason")
    def dead_letter():
        return service.dead_letter()

    @r.post("/api/v1/upstream/retry", responses=answers(400, 401, 404, 422),
            summary="Put dead-letter records back in line (after fixing the mapping)")
    def retry(req: RetryRequest):
        n = service.retry(req.eval_id)
        if req.eval_id is not None and n == 0:
            raise HTTPException(404, f"{req.eval_id} is not in dead letter")
        return {"retried": n}

    return r
