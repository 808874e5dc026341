from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from members import accounts


class Command(BaseCommand):
    help = "Verify a member by email address (as a coordinator does in the admin); the member gets an email."

    def add_arguments(self, parser):
        parser.add_argument("email", help="the member's email address")

    def handle(self, *args, email, **options):
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the email address {email}.")
        member = accounts.member_ensure(user=user)
        if accounts.member_verify(member=member, by=None):
            self.stdout.write(self.style.SUCCESS(f"{user.email} is now a verified member; an email is on its way."))
        else:
            self.stdout.write(f"{user.email} was already verified; nothing changed.")
