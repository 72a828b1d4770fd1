from rest_framework.routers import SimpleRouter

from .views import DepartmentViewSet, ServiceItemViewSet, TopicViewSet

router = SimpleRouter()
router.register("services", ServiceItemViewSet, basename="service")
router.register("departments", DepartmentViewSet, basename="department")
router.register("topics", TopicViewSet, basename="topic")

urlpatterns = router.urls
