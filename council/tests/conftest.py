import pytest

from council.models import CouncilMember
from council.tests.factories import CouncilFactory, CouncilMemberFactory


@pytest.fixture
def council(db):
    return CouncilFactory(name="카카오 서비스 장애 피해지원 협의체")


@pytest.fixture
def seats(council):
    """Chair and three members vote; the secretary and an observer do not."""
    make = CouncilMemberFactory
    return {
        "chair": make(council=council, name="최난설헌", organisation="학계", role=CouncilMember.Role.CHAIR,
                      constituency=CouncilMember.Constituency.EXPERT),
        "small": make(council=council, name="김기홍", organisation="소상공인연합회",
                      constituency=CouncilMember.Constituency.SMALL_BUSINESS),
        "startup": make(council=council, name="최성진", organisation="코리아스타트업포럼",
                        constituency=CouncilMember.Constituency.STARTUP),
        "consumer": make(council=council, name="정지연", organisation="한국소비자연맹",
                         constituency=CouncilMember.Constituency.CONSUMER),
        "secretary": make(council=council, name="간사", organisation="카카오", role=CouncilMember.Role.SECRETARY,
                          constituency=CouncilMember.Constituency.COMPANY),
        "observer": make(council=council, name="참관인", organisation="과학기술정보통신부",
                         role=CouncilMember.Role.OBSERVER, constituency=CouncilMember.Constituency.GOVERNMENT),
    }  # fmt: skip
