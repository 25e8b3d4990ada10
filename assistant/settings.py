"""One settings object for the whole product.

Values come, in order of precedence, from constructor arguments, environment variables prefixed
``RA_`` (nested with ``__``), a TOML file (``RA_CONFIG`` or ``./review-assistant.toml``) and the
defaults below. Nothing else in the package reads the environment: a reviewer's machine is
configured in one place, and tests build a ``Settings`` directly.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
#: Where ``pip install`` puts the prompts, the bundled guideline, the demo sample and the labelled
#: plans (copied there from the checkout's top-level folders at build time; see setup.py).
BUNDLED_DIR = PACKAGE_DIR / "_bundled"


def in_checkout() -> bool:
    """Running from a source checkout (editable install or plain path), not from an installed wheel."""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "prompts").is_dir()


def bundled_path(*parts: str) -> Path:
    """A shipped resource: the wheel's copy when installed, the checkout's own folder otherwise."""
    return REPO_ROOT.joinpath(*parts) if in_checkout() else BUNDLED_DIR.joinpath(*parts)


def _default_data_dir() -> Path:
    """``./data`` beside the checkout, as the README says; an installed copy keeps data per user."""
    if in_checkout():
        return REPO_ROOT / "data"
    return Path.home() / ".local" / "share" / "review-assistant"


def is_loopback_host(host: str) -> bool:
    """Names and addresses of this machine only: ``localhost``, 127.0.0.0/8 and ::1."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _config_file() -> Path:
    return Path(os.environ.get("RA_CONFIG", "review-assistant.toml"))


class Settings(BaseSettings):
    """Runtime configuration; see README for the variables."""

    model_config = SettingsConfigDict(env_prefix="RA_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, description="Chroma, review store, users")
    corpus_dir: Path = Field(default_factory=lambda: bundled_path("corpus", "guidelines"))
    prompts_dir: Path = Field(default_factory=lambda: bundled_path("prompts"))
    samples_dir: Path = Field(default_factory=lambda: bundled_path("corpus", "samples"))
    eval_plans_dir: Path = Field(default_factory=lambda: bundled_path("evals", "data", "plans"))
    rubric_file: Path = Field(default=PACKAGE_DIR / "data" / "rubric.yaml")

    # Index
    embedding: Literal["use", "e5"] = "use"
    embedding_threads: int = 2
    chroma_mode: Literal["embedded", "http"] = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8000
    collection: str = "review_assistant"
    chunk_size: int = 300
    chunk_overlap: int = 60

    # Retrieval
    dense_weight: float = 0.7
    bm25_weight: float = 0.3
    rrf_k: int = 5
    top_k: int = 8

    # Q&A
    abstain_threshold: float = 0.35

    # OCR
    ocr_enabled: bool = True
    ocr_lang: str = "jpn"
    ocr_dpi: int = 300
    ocr_workers: int = Field(default=2, ge=1, description="RA_OCR_WORKERS: scanned pages read at once")
    ocr_page_timeout: float = Field(
        default=60.0, gt=0, description="RA_OCR_PAGE_TIMEOUT: seconds tesseract may spend on one page"
    )
    ocr_min_confidence: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="RA_OCR_MIN_CONFIDENCE: an OCR quote with a word read below this is marked low-confidence",
    )
    ocr_min_number_confidence: float = Field(
        default=0.85,
        ge=0,
        le=1,
        description="RA_OCR_MIN_NUMBER_CONFIDENCE: the same for words with digits, where one wrong character "
        "changes a figure",
    )

    # LLM (OpenAI-compatible). Unset model → offline answerer/drafter.
    llm_provider: Literal["openai", "azure"] = "openai"
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_api_version: str | None = Field(default=None, description="Azure OpenAI API version")
    llm_timeout: float = 60.0
    llm_max_retries: int = 2
    llm_max_tokens: int = Field(default=2048, description="Cap on generated tokens per call")
    llm_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Non-loopback endpoints allowed to receive plan text: base URLs or host names.",
    )
    llm_proxy: str | None = Field(
        default=None,
        description="RA_LLM_PROXY: the only proxy LLM calls use (HTTP_PROXY/HTTPS_PROXY/ALL_PROXY are "
        "ignored). Calls carrying plan text go through it only if it is loopback or in llm_allowed_hosts.",
    )

    # UI / auth
    users_file: Path | None = None
    ui_host: str = "127.0.0.1"
    ui_port: int = 7860
    ui_download_ttl: float = Field(
        default=600.0,
        gt=0,
        description="RA_UI_DOWNLOAD_TTL: seconds a screen's download link or page image stays valid "
        "(for the user it was made for only; a download link also ends with its first use)",
    )

    # Review store
    store_busy_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a write waits for another writer's lock before giving up with a clear error",
    )

    # Input safety: limits that keep a hostile or broken file from hanging or exhausting the machine
    max_file_bytes: int = Field(default=100_000_000, gt=0, description="RA_MAX_FILE_BYTES: largest file read")
    max_pages: int = Field(default=300, gt=0, description="RA_MAX_PAGES: most pages read from one PDF")
    max_page_stream_bytes: int = Field(
        default=4_000_000,
        gt=0,
        description="RA_MAX_PAGE_STREAM_BYTES: decompressed content of one page (or one stream) beyond "
        "which the page is skipped with a notice",
    )
    max_file_stream_bytes: int = Field(
        default=128_000_000,
        gt=0,
        description="RA_MAX_FILE_STREAM_BYTES: decompressed page content of a whole PDF beyond which it is refused",
    )
    max_ocr_pixels: int = Field(
        default=40_000_000, gt=0, description="RA_MAX_OCR_PIXELS: largest page image rendered for OCR"
    )
    batch_file_timeout: float = Field(
        default=180.0,
        gt=0,
        description="RA_BATCH_FILE_TIMEOUT: seconds one batch file may take before its worker is killed "
        "(a 10-page scanned plan takes about 35 s with OCR on one core, 21 s on two)",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_config_file()),
        )

    # Derived paths -------------------------------------------------------------------------
    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_dir(self) -> Path:
        return self.data_dir / "lexical"

    @property
    def review_db(self) -> Path:
        return self.data_dir / "reviews.sqlite"

    @property
    def users_path(self) -> Path:
        return self.users_file or (self.data_dir / "users.toml")

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_model)

    def llm_endpoint_is_local(self) -> bool:
        """A missing base URL means api.openai.com, which is not local."""
        if not self.llm_base_url:
            return False
        return is_loopback_host(urlparse(self.llm_base_url).hostname or "")

    def llm_may_receive_plans(self) -> bool:
        """Plans are confidential: only loopback endpoints, or endpoints the user listed (a base URL
        such as ``https://my-aoai.openai.azure.com/`` or a bare host name), may see them."""
        if self.llm_endpoint_is_local():
            return True
        url = self.llm_base_url or "https://api.openai.com/v1"
        host = urlparse(url).hostname or ""
        for allowed in self.llm_allowed_hosts:
            if "://" in allowed:
                base, prefix = url.rstrip("/"), allowed.rstrip("/")
                if base == prefix or base.startswith(prefix + "/"):
                    return True
            elif host == allowed:
                return True
        return False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def apply_process_env() -> None:
    """Set the process-wide switches that third-party libraries only read from the environment.

    Chroma and Gradio phone home unless told not to (the app must not call out), and tesseract
    spawns one OpenMP thread per core, which oversubscribes a 2-core machine running workers.
    """
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
