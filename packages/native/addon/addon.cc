#include <napi.h>

static Napi::Value JsNoop(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("noop", Napi::Function::New(env, JsNoop, "noop"));
  return exports;
}

NODE_API_MODULE(annal, Init)
