// icons.js: the Element Plus icons the app shows, registered as <IconName> components (src/main.js imports this
// module's exports as one object): the templates name them as tags (<IconPlus />) and the menus as strings
// (router.js meta.menu.icon, drawn by <component :is>).
// Only these are bundled (the package has ~290). scripts/check-icons.mjs, run by `npm run build`, fails the build
// when a name used in src is missing here, or one listed here is no longer used.
export {
  Aim, ArrowDown, Avatar, Bell, Calendar, Camera, ChatLineSquare, CircleCheck, DataAnalysis, DataLine, Delete,
  Document, DocumentChecked, Download, Edit, EditPen, Finished, House, Location, Lock, MapLocation, Medal, Menu,
  Message, Notification, OfficeBuilding, Paperclip, Phone, Plus, Promotion, ScaleToOriginal, Search, Setting, Stamp,
  Tickets, Timer, Trophy, Upload, User, UserFilled, VideoCamera, Warning,
} from '@element-plus/icons-vue'
