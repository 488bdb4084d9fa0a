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

urlpatterns += [
    path("appointments/", views.appointment_days, name="appointment-list"),
    path("appointments/days/<int:stop_id>/", views.stop_appointments, name="stop-appointments"),
    path("appointments/days/<int:stop_id>/manage/", views.manage_day, name="manage-day"),
    path("appointments/<int:appointment_id>/no-show/", views.appointment_no_show, name="appointment-no-show"),
]

urlpatterns += [
    path("stock/", views.van_stock, name="van-stock"),
]
