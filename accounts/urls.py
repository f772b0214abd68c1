from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views, views_bulk
from .forms import LoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        views_bulk.OwnPasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/password/", views.user_password, name="user_password"),
    path("users/teachers/new/", views_bulk.teacher_accounts_create, name="teacher_accounts_create"),
    path("users/teachers/passwords/", views_bulk.teacher_passwords_reset, name="teacher_passwords_reset"),
]
