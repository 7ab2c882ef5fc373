// HDF5 C API calls with error checking; HDF5's own error-stack printing is turned off and each
// failure is reported once, as a UserError naming the file and object.
#include "src/format/h5_file.h"

#include <filesystem>
#include <functional>
#include <set>

#include "src/core/error.h"

namespace elastiq {
namespace {

void SilenceHdf5() {
  static bool done = [] {
    // No library shutdown at exit: a file whose writes failed (a full disk) stays open inside HDF5
    // after H5Fclose fails, and HDF5 1.10's exit handler crashes closing it again. Every file is
    // closed by its H5File before exit; nothing is left for the handler to do.
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

hid_t NativeType(DType t) {
  switch (t) {
    case DType::kF32:
      return H5T_NATIVE_FLOAT;
    case DType::kI8:
      return H5T_NATIVE_INT8;
    case DType::kU8:
      return H5T_NATIVE_UINT8;
    case DType::kI32:
      return H5T_NATIVE_INT32;
    case DType::kU32:
      return H5T_NATIVE_UINT32;
    case DType::kI64:
      return H5T_NATIVE_INT64;
  }
  ELASTIQ_ASSERT(false, "unknown dtype");
  return -1;
}

// Closes an HDF5 handle with the matching close function at scope exit.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0) close(id);
  }
};

}  // namespace

size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kF32:
    case DType::kI32:
    case DType::kU32:
      return 4;
    case DType::kI8:
    case DType::kU8:
      return 1;
    case DType::kI64:
      return 8;
  }
  return 0;
}

const char* DTypeName(DType t) {
  switch (t) {
    case DType::kF32:
      return "float32";
    case DType::kI8:
      return "int8";
    case DType::kU8:
      return "uint8";
    case DType::kI32:
      return "int32";
    case DType::kU32:
      return "uint32";
    case DType::kI64:
      return "int64";
  }
  return "?";
}

H5File H5File::Create(const std::string& path, const std::string& display_name, int64_t user_block_bytes) {
  SilenceHdf5();
  Handle fapl{H5Pcreate(H5P_FILE_ACCESS), H5Pclose};
  H5Pset_alignment(fapl.id, kAlignThreshold, kAlignment);
  Handle fcpl{H5Pcreate(H5P_FILE_CREATE), H5Pclose};
  if (user_block_bytes > 0) H5Pset_userblock(fcpl.id, static_cast<hsize_t>(user_block_bytes));
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.id, fapl.id);
  if (id < 0) throw UserError(display_name + ": cannot create the file (folder missing or no permission?)");
  return H5File(id, display_name);
}

H5File H5File::OpenReadOnly(const std::string& path) {
  SilenceHdf5();
  if (!std::filesystem::exists(path)) throw UserError(path + ": no such file; check the path");
  if (std::filesystem::is_directory(path)) throw UserError(path + ": is a folder, expected an .h5 file");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw UserError(path + ": not a readable HDF5 file (truncated, corrupted, or not an elastiq model file)");
  }
  // A small metadata cache: readers look each dataset up once (the runtime keeps the offsets), and
  // HDF5's default cache (2 MiB, growing to 32 MiB) would otherwise stay resident as several MiB
  // of heap per open palette, memory the runtime's footprint model does not own.
  Handle fapl{H5Pcreate(H5P_FILE_ACCESS), H5Pclose};
  H5AC_cache_config_t mdc;
  mdc.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  if (H5Pget_mdc_config(fapl.id, &mdc) >= 0) {
    mdc.set_initial_size = true;
    mdc.initial_size = 64 * 1024;
    mdc.min_size = 64 * 1024;
    mdc.max_size = 256 * 1024;
    H5Pset_mdc_config(fapl.id, &mdc);
  }
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.id);
  if (id < 0) throw UserError(path + ": HDF5 cannot open it (truncated or corrupted?)");
  return H5File(id, path);
}

H5File H5File::OpenReadWrite(const std::string& path, const std::string& display_name) {
  SilenceHdf5();
  // Datasets added later (e.g. the packed copies of `elastiq quantize`) must start on pages too.
  Handle fapl{H5Pcreate(H5P_FILE_ACCESS), H5Pclose};
  H5Pset_alignment(fapl.id, kAlignThreshold, kAlignment);
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.id);
  if (id < 0) throw UserError(display_name + ": cannot open for writing (truncated, corrupted or read-only?)");
  return H5File(id, display_name);
}

H5File::H5File(H5File&& o) noexcept : id_(o.id_), display_name_(std::move(o.display_name_)) { o.id_ = -1; }

H5File& H5File::operator=(H5File&& o) noexcept {
  if (this != &o) {
    Close();
    id_ = o.id_;
    display_name_ = std::move(o.display_name_);
    o.id_ = -1;
  }
  return *this;
}

H5File::~H5File() { Close(); }

void H5File::Close() {
  if (id_ >= 0) H5Fclose(id_);
  id_ = -1;
}

void H5File::CloseOrFail() {
  if (id_ < 0) return;
  const bool flushed = H5Fflush(id_, H5F_SCOPE_LOCAL) >= 0;
  const bool closed = H5Fclose(id_) >= 0;
  id_ = -1;
  if (!flushed || !closed) Fail("cannot finish writing the file (disk full or failing?); nothing was replaced");
}

void H5File::Fail(const std::string& what) const { throw UserError(display_name_ + ": " + what); }

bool H5File::Exists(const std::string& object) const {
  if (object == "/") return true;
  // Check each path component so a missing parent is not an HDF5 error.
  std::string prefix;
  size_t pos = 1;
  while (true) {
    size_t next = object.find('/', pos);
    prefix = object.substr(0, next);
    if (H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (next == std::string::npos) return true;
    pos = next + 1;
  }
}

void H5File::CreateGroup(const std::string& group) {
  if (Exists(group)) return;
  Handle lcpl{H5Pcreate(H5P_LINK_CREATE), H5Pclose};
  H5Pset_create_intermediate_group(lcpl.id, 1);
  Handle g{H5Gcreate2(id_, group.c_str(), lcpl.id, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
  if (g.id < 0) Fail("cannot create group " + group);
}

namespace {
H5I_type_t ObjectType(hid_t file, const std::string& object) {
  Handle o{H5Oopen(file, object.c_str(), H5P_DEFAULT), H5Oclose};
  return o.id < 0 ? H5I_BADID : H5Iget_type(o.id);
}
}  // namespace

bool H5File::IsGroup(const std::string& object) const { return Exists(object) && ObjectType(id_, object) == H5I_GROUP; }

bool H5File::IsDataset(const std::string& object) const {
  return Exists(object) && ObjectType(id_, object) == H5I_DATASET;
}

std::vector<std::string> H5File::ListGroup(const std::string& group) const {
  std::vector<std::string> names;
  if (!IsGroup(group)) return names;
  Handle g{H5Gopen2(id_, group.c_str(), H5P_DEFAULT), H5Gclose};
  if (g.id < 0) Fail(group + " is not a readable group (corrupted file?)");
  H5G_info_t info;
  if (H5Gget_info(g.id, &info) < 0) Fail("cannot list " + group);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t len = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) Fail("cannot list " + group);
    std::string name(static_cast<size_t>(len), '\0');
    H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

namespace {

// What the walk needs of the object a hard link names: an identity (an address before HDF5 1.12,
// a token since) and whether it is a group or a dataset.
struct ObjectId {
  std::string key;
  H5O_type_t type = H5O_TYPE_UNKNOWN;
};

bool GetObjectId(hid_t file, const std::string& path, ObjectId* out) {
#if H5_VERSION_GE(1, 12, 0)
  H5O_info2_t info;
  if (H5Oget_info_by_name3(file, path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
  out->key.assign(reinterpret_cast<const char*>(&info.token), sizeof(info.token));
#else
  H5O_info_t info;
  if (H5Oget_info_by_name2(file, path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
  out->key = std::to_string(info.addr);
#endif
  out->type = info.type;
  return true;
}

bool IsHardLink(hid_t file, const std::string& path) {
  H5L_info_t link;
  return H5Lget_info(file, path.c_str(), &link, H5P_DEFAULT) >= 0 && link.type == H5L_TYPE_HARD;
}

}  // namespace

std::vector<std::string> H5File::ListDatasets() const {
  std::set<std::string> seen;
  std::vector<std::string> datasets;
  ObjectId root;
  if (!GetObjectId(id_, "/", &root)) Fail("cannot read the root group (corrupted file?)");
  seen.insert(root.key);
  std::function<void(const std::string&, int)> walk = [&](const std::string& group, int depth) {
    if (depth > kMaxWalkDepth) {
      Fail(group + ": groups nest more than " + std::to_string(kMaxWalkDepth) + " levels deep (corrupted file?)");
    }
    for (const std::string& name : ListGroup(group)) {
      const std::string path = (group == "/" ? "" : group) + "/" + name;
      ObjectId object;
      if (!IsHardLink(id_, path) || !GetObjectId(id_, path, &object) || !seen.insert(object.key).second) continue;
      if (seen.size() > static_cast<size_t>(kMaxWalkObjects)) {
        Fail("holds more than " + std::to_string(kMaxWalkObjects) + " objects (corrupted file?)");
      }
      if (object.type == H5O_TYPE_DATASET) datasets.push_back(path);
      if (object.type == H5O_TYPE_GROUP) walk(path, depth + 1);
    }
  };
  walk("/", 1);
  return datasets;
}

void H5File::WriteDataset(const std::string& name, DType dtype, const std::vector<int64_t>& shape, const void* data) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space{H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose};
  Handle lcpl{H5Pcreate(H5P_LINK_CREATE), H5Pclose};
  H5Pset_create_intermediate_group(lcpl.id, 1);
  Handle dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
  H5Pset_layout(dcpl.id, H5D_CONTIGUOUS);
  H5Pset_alloc_time(dcpl.id, H5D_ALLOC_TIME_EARLY);
  Handle ds{H5Dcreate2(id_, name.c_str(), NativeType(dtype), space.id, lcpl.id, dcpl.id, H5P_DEFAULT), H5Dclose};
  if (ds.id < 0) Fail("cannot create dataset " + name);
  if (H5Dwrite(ds.id, NativeType(dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    Fail("cannot write dataset " + name + " (disk full?)");
  }
}

DatasetInfo H5File::Info(const std::string& name) const {
  if (!Exists(name)) Fail("missing dataset " + name + " (file incomplete or of another kind)");
  Handle ds{H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose};
  if (ds.id < 0) Fail(name + " is not a readable dataset (corrupted file?)");
  Handle type{H5Dget_type(ds.id), H5Tclose};
  Handle space{H5Dget_space(ds.id), H5Sclose};
  if (type.id < 0 || space.id < 0) Fail(name + ": unreadable type or shape (corrupted file?)");
  DatasetInfo info;
  bool found = false;
  for (DType t : {DType::kF32, DType::kI8, DType::kU8, DType::kI32, DType::kU32, DType::kI64}) {
    if (H5Tequal(type.id, NativeType(t)) > 0) {
      info.dtype = t;
      found = true;
      break;
    }
  }
  if (!found) Fail(name + ": element type is not one elastiq writes");
  int rank = H5Sget_simple_extent_ndims(space.id);
  if (rank < 0 || rank > 8) Fail(name + ": invalid rank (corrupted file?)");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  info.num_elements = 1;
  constexpr int64_t kMostElements = int64_t{1} << 56;  // bytes (up to 8 per element) stay far inside int64
  for (hsize_t d : dims) {
    if (d > (hsize_t{1} << 40)) Fail(name + ": implausible dimension (corrupted file?)");
    info.shape.push_back(static_cast<int64_t>(d));
    if (d > 0 && info.num_elements > kMostElements / static_cast<int64_t>(d))
      Fail(name + ": implausible size (corrupted file?)");
    info.num_elements *= static_cast<int64_t>(d);
  }
  info.bytes = info.num_elements * static_cast<int64_t>(DTypeSize(info.dtype));
  haddr_t offset = H5Dget_offset(ds.id);
  info.file_offset = offset == HADDR_UNDEF ? -1 : static_cast<int64_t>(offset);
  return info;
}

void H5File::ReadDataset(const std::string& name, DType dtype, const std::vector<int64_t>& shape, void* out) const {
  DatasetInfo info = Info(name);
  if (info.dtype != dtype) {
    Fail(name + ": stored as " + DTypeName(info.dtype) + ", expected " + DTypeName(dtype));
  }
  if (info.shape != shape) {
    std::string got, want;
    for (int64_t d : info.shape) got += (got.empty() ? "" : "x") + std::to_string(d);
    for (int64_t d : shape) want += (want.empty() ? "" : "x") + std::to_string(d);
    Fail(name + ": shape " + got + " does not match the expected " + want + " (file inconsistent with its config)");
  }
  Handle ds{H5Dopen2(id_, name.c_str(), H5P_DEFAULT), H5Dclose};
  if (H5Dread(ds.id, NativeType(dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
    Fail(name + ": data cannot be read (file truncated or corrupted)");
  }
}

void H5File::SetAttr(const std::string& object, const std::string& key, const std::string& value) {
  Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, value.empty() ? 1 : value.size());
  H5Tset_strpad(type.id, H5T_STR_NULLPAD);
  Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  if (H5Aexists_by_name(id_, object.c_str(), key.c_str(), H5P_DEFAULT) > 0) {
    H5Adelete_by_name(id_, object.c_str(), key.c_str(), H5P_DEFAULT);
  }
  Handle attr{
      H5Acreate_by_name(id_, object.c_str(), key.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose};
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  if (attr.id < 0 || H5Awrite(attr.id, type.id, padded.data()) < 0) {
    Fail("cannot write attribute " + key + " on " + object);
  }
}

void H5File::SetAttr(const std::string& object, const std::string& key, int64_t value) {
  Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  if (H5Aexists_by_name(id_, object.c_str(), key.c_str(), H5P_DEFAULT) > 0) {
    H5Adelete_by_name(id_, object.c_str(), key.c_str(), H5P_DEFAULT);
  }
  Handle attr{H5Acreate_by_name(id_, object.c_str(), key.c_str(), H5T_NATIVE_INT64, space.id, H5P_DEFAULT, H5P_DEFAULT,
                                H5P_DEFAULT),
              H5Aclose};
  if (attr.id < 0 || H5Awrite(attr.id, H5T_NATIVE_INT64, &value) < 0) {
    Fail("cannot write attribute " + key + " on " + object);
  }
}

bool H5File::HasAttr(const std::string& object, const std::string& key) const {
  return Exists(object) && H5Aexists_by_name(id_, object.c_str(), key.c_str(), H5P_DEFAULT) > 0;
}

std::string H5File::GetStringAttr(const std::string& object, const std::string& key) const {
  if (!HasAttr(object, key)) Fail("missing attribute \"" + key + "\" on " + object + " (not an elastiq file?)");
  Handle attr{H5Aopen_by_name(id_, object.c_str(), key.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  Handle type{H5Aget_type(attr.id), H5Tclose};
  if (attr.id < 0 || type.id < 0 || H5Tget_class(type.id) != H5T_STRING) {
    Fail("attribute \"" + key + "\" on " + object + " is not a string");
  }
  if (H5Tis_variable_str(type.id) > 0)
    Fail("attribute \"" + key + "\" on " + object + " has an unsupported string form");
  size_t size = H5Tget_size(type.id);
  if (size == 0 || size > (size_t{1} << 30)) Fail("attribute \"" + key + "\" has an implausible size");
  std::string value(size, '\0');
  if (H5Aread(attr.id, type.id, value.data()) < 0) Fail("cannot read attribute " + key);
  while (!value.empty() && value.back() == '\0') value.pop_back();
  return value;
}

int64_t H5File::GetIntAttr(const std::string& object, const std::string& key) const {
  if (!HasAttr(object, key)) Fail("missing attribute \"" + key + "\" on " + object + " (not an elastiq file?)");
  Handle attr{H5Aopen_by_name(id_, object.c_str(), key.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  Handle type{H5Aget_type(attr.id), H5Tclose};
  if (attr.id < 0 || type.id < 0 || H5Tget_class(type.id) != H5T_INTEGER) {
    Fail("attribute \"" + key + "\" on " + object + " is not an integer");
  }
  int64_t value = 0;
  if (H5Aread(attr.id, H5T_NATIVE_INT64, &value) < 0) Fail("cannot read attribute " + key);
  return value;
}

}  // namespace elastiq
