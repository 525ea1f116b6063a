from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@never_cache
def healthz(request):
    """For a load balancer: the process answers and the database does too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
