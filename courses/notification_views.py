"""The reader's notifications (站内消息)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from courses.models import Notification
from courses.services.records.notifications import notifications_mark_read


@login_required
def notification_list(request):
    page = Paginator(
        Notification.objects.filter(user=request.user).order_by("-created_at", "-id"),
        20,
    ).get_page(request.GET.get("page"))
    return render(request, "courses/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request):
    """Mark one (`id`) or all as read; then go to the notification's link."""
    note_id = request.POST.get("id")
    if note_id and note_id.isdigit():
        notifications_mark_read(user=request.user, ids=[int(note_id)])
        note = Notification.objects.filter(user=request.user, pk=note_id).first()
        if (
            note
            and note.url
            and url_has_allowed_host_and_scheme(
                note.url, allowed_hosts={request.get_host()}
            )
        ):
            return redirect(note.url)
    else:
        notifications_mark_read(user=request.user)
    return redirect("courses:notifications")
