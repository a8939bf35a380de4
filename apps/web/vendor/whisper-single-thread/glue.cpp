// Llamenos' own bridge between the single-threaded whisper.cpp build and whisper.worker.ts.
//
// The worker writes the model into the in-memory file system, then calls these C functions
// (exported to JavaScript as Module._llw_*). Everything runs on the worker's one thread:
// whisper_full blocks until the audio is transcribed, and the two callbacks below report
// progress and new segments to the JavaScript side while it runs (a worker's postMessage does
// not need its event loop, so the page still sees them live). Nothing here prints audio or text.

#include <emscripten.h>

#include <cstdint>
#include <cstring>

#include "whisper.h"

// The JavaScript side's hooks on the module object (set by the worker when it creates the
// module); a missing hook is simply skipped.
EM_JS(void, llw_report_progress, (int percent), {
  if (Module['onProgress']) Module['onProgress'](percent);
});
EM_JS(void, llw_report_segments, (int total), {
  if (Module['onNewSegment']) Module['onNewSegment'](total);
});
EM_JS(void, llw_report_log, (const char * line), {
  if (Module['onEngineLog']) Module['onEngineLog'](UTF8ToString(line));
});

namespace {

// One model at a time: the worker keeps it loaded between transcriptions.
whisper_context * loaded = nullptr;

void on_progress(whisper_context *, whisper_state *, int percent, void *) {
  llw_report_progress(percent);
}

void on_new_segment(whisper_context * ctx, whisper_state *, int, void *) {
  llw_report_segments(whisper_full_n_segments(ctx));
}

// whisper.cpp's and ggml's log lines (model loading, errors) go to the worker, which keeps the
// last error to explain a failure. Debug and info lines are dropped.
void on_log(ggml_log_level level, const char * text, void *) {
  if (level == GGML_LOG_LEVEL_WARN || level == GGML_LOG_LEVEL_ERROR) llw_report_log(text);
}

// Segment times come from whisper.cpp in centiseconds; the worker wants milliseconds.
int32_t to_ms(int64_t centiseconds) { return static_cast<int32_t>(centiseconds * 10); }

}  // namespace

extern "C" {

// Frees the loaded model, if any.
EMSCRIPTEN_KEEPALIVE void llw_free() {
  if (loaded) whisper_free(loaded);
  loaded = nullptr;
}

// Loads a ggml model from a file path in the module's file system. Returns 1 when loaded,
// 0 when whisper.cpp refused the file (its log says why).
EMSCRIPTEN_KEEPALIVE int llw_load(const char * path) {
  llw_free();
  whisper_log_set(on_log, nullptr);
  whisper_context_params params = whisper_context_default_params();
  params.use_gpu = false;
  params.flash_attn = false;
  loaded = whisper_init_from_file_with_params(path, params);
  return loaded ? 1 : 0;
}

// Transcribes `count` samples of 16 kHz mono float audio at `pcm` in `language` (an ISO 639-1
// code, or "auto" for the model's detection). Returns whisper_full's status (0 on success),
// or -100 when no model is loaded.
EMSCRIPTEN_KEEPALIVE int llw_transcribe(const float * pcm, int count, const char * language) {
  if (!loaded) return -100;
  whisper_full_params params = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
  params.n_threads = 1;
  params.translate = false;
  params.language = language;
  params.detect_language = false;
  params.print_special = false;
  params.print_progress = false;
  params.print_realtime = false;
  params.print_timestamps = false;
  params.progress_callback = on_progress;
  params.new_segment_callback = on_new_segment;
  return whisper_full(loaded, params, pcm, count);
}

EMSCRIPTEN_KEEPALIVE int llw_segment_count() { return loaded ? whisper_full_n_segments(loaded) : 0; }

EMSCRIPTEN_KEEPALIVE int32_t llw_segment_start_ms(int i) { return to_ms(whisper_full_get_segment_t0(loaded, i)); }

EMSCRIPTEN_KEEPALIVE int32_t llw_segment_end_ms(int i) { return to_ms(whisper_full_get_segment_t1(loaded, i)); }

// The segment's text (UTF-8, owned by whisper.cpp until the next transcription).
EMSCRIPTEN_KEEPALIVE const char * llw_segment_text(int i) { return whisper_full_get_segment_text(loaded, i); }

// The language whisper.cpp transcribed in (detected when asked for "auto"), e.g. "en".
EMSCRIPTEN_KEEPALIVE const char * llw_language() {
  if (!loaded) return "";
  const int id = whisper_full_lang_id(loaded);
  const char * code = id >= 0 ? whisper_lang_str(id) : nullptr;
  return code ? code : "";
}

// 1 when the loaded model is multilingual (it can detect and transcribe other languages).
EMSCRIPTEN_KEEPALIVE int llw_multilingual() { return loaded ? whisper_is_multilingual(loaded) : 0; }

}  // extern "C"
