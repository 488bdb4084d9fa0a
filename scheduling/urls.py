from django.urls import path

from scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("book/", views.book_start, name="book"),
    path("book/times/<int:slot_id>/", views.book_slot, name="book-slot"),
    path("book/confirmation/", views.book_confirmation, name="book-confirmation"),
    path("book/manage/", views.manage_booking, name="book-manage"),
    path("book/manage/cancel/", views.cancel_booking, name="book-cancel"),
]
