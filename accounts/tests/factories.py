import factory

from accounts.choices import ADMIN_SITE_ROLES, Role
from accounts.models import User

DEFAULT_TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@test.polmed.co.za")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_TEST_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        self.save()
        if extracted:
            self.set_role(Role(extracted))
            if Role(extracted) in ADMIN_SITE_ROLES:
                User.objects.filter(pk=self.pk).update(is_staff=True)
                self.is_staff = True
