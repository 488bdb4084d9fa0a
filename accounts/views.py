from django.contrib.auth import views as auth_views

from accounts.forms import StaffLoginForm


class StaffLoginView(auth_views.LoginView):
    form_class = StaffLoginForm
    redirect_authenticated_user = True
