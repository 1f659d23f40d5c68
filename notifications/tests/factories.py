"""Factories for notification tests. Claims are filed through the intake service (claims.tests.factories);
claimants and users without a claim are plain records."""

import itertools

import factory
from django.contrib.auth.models import User

from claims.models import Claimant

_numbers = itertools.count(5000)


class ClaimantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claimant

    kind = Claimant.Kind.INDIVIDUAL
    name = factory.Sequence(lambda n: f"홍길동{n}")
    email = factory.Sequence(lambda n: f"claimant{n}@example.kr")
    phone = factory.LazyFunction(lambda: f"010{next(_numbers):04d}{next(_numbers):04d}"[:11])
    preferred_channel = Claimant.Channel.EMAIL
    language = "ko"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@redress.local")
    is_staff = True
