{
  "targets": [
    {
      "target_name": "annal",
      "sources": [
        "addon/addon.cc",
        "addon/crc32c.cc",
        "addon/fence.cc",
        "addon/file.cc",
        "addon/futex.cc",
        "addon/lock.cc",
        "addon/mapping.cc",
        "addon/sync.cc",
        "addon/wait.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++1y", "-std=gnu++17"],
      "cflags": ["-fvisibility=hidden"],
      "cflags_cc": ["-std=c++20", "-O2", "-fvisibility=hidden", "-fno-exceptions", "-Wall", "-Wextra"]
    }
  ]
}
