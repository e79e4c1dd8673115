from .urls_card import urlpatterns as card_urls
from .urls_pipeline import urlpatterns as pipeline_urls

app_name = "opportunities"
urlpatterns = [*pipeline_urls, *card_urls]
