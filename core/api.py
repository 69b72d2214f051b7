from django.contrib.auth import get_user_model
from ninja import Router, Schema

router = Router(tags=["account"])


class MeOut(Schema):
    username: str
    is_staff: bool


@router.get("/me", response=MeOut, summary="Who the request is authenticated as")
def me(request):
    user = request.auth if isinstance(request.auth, get_user_model()) else request.user
    return user
