package org.elasticsearch.plugins;

import org.elasticsearch.Build;
import org.elasticsearch.action.admin.cluster.node.info.PluginsAndModules;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.plugins.spi.SPIClassIterator;

import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link PluginsService} whose plugins are plain classes on the application classpath instead of
 * bundles unpacked under {@code $ES_HOME/modules} and {@code $ES_HOME/plugins}.
 *
 * <p>It lives in {@code org.elasticsearch.plugins} because {@link PluginsService.LoadedPlugin} and the
 * plugin instantiation helpers are package-private. Everything runs in the unnamed module of the
 * application class loader, so package-private access across jars works.
 */
public final class ClasspathPluginsService extends PluginsService {

    private final List<LoadedPlugin> classpathPlugins;

    public ClasspathPluginsService(Settings settings, Path configDir, List<Class<? extends Plugin>> pluginClasses) {
        // No modules/plugins directories are scanned: the loader is empty.
        super(settings, configDir, emptyLoader());
        List<LoadedPlugin> loaded = new ArrayList<>(pluginClasses.size());
        for (Class<? extends Plugin> pluginClass : pluginClasses) {
            Plugin instance = loadPlugin(pluginClass, settings, configDir);
            loaded.add(new LoadedPlugin(describe(pluginClass), instance, pluginClass.getClassLoader()));
        }
        loadExtensions(loaded);
        this.classpathPlugins = List.copyOf(loaded);
    }

    /**
     * A loader with no module or plugin bundles. {@code PluginsLoader.createPluginsLoader} cannot be used: it
     * assumes the server runs as a named module, whereas here it sits in the classpath's unnamed module.
     */
    public static PluginsLoader emptyLoader() {
        return new PluginsLoader(Set.of(), Set.of(), Map.of());
    }

    private static PluginDescriptor describe(Class<? extends Plugin> pluginClass) {
        return new PluginDescriptor(
            pluginClass.getSimpleName(),          // name
            "loaded from the classpath",          // description
            Build.current().version(),            // plugin version
            Build.current().version(),            // elasticsearch version it targets
            Integer.toString(Runtime.version().feature()),
            pluginClass.getName(),                // class name
            null,                                 // module name (not modular)
            List.of(),                            // extended plugins
            false,                                // native controller
            false,                                // licensed
            false,                                // modular
            false,                                // stable API plugin
            PluginDescriptor.DeploymentTarget.ALL
        );
    }

    @Override
    protected List<LoadedPlugin> plugins() {
        return classpathPlugins;
    }

    @Override
    public PluginsAndModules info() {
        List<PluginRuntimeInfo> infos = new ArrayList<>();
        for (LoadedPlugin p : classpathPlugins) {
            infos.add(new PluginRuntimeInfo(p.descriptor()));
        }
        return new PluginsAndModules(infos, List.of());
    }

    /**
     * The stock implementation scans META-INF/services once per plugin class loader. Here every plugin
     * shares the application class loader, so that would instantiate each provider (for instance the
     * server's own FeatureSpecifications) once per plugin. Scan once, instantiate each class once, and
     * hand plugin-typed constructors the matching plugin instance.
     */
    @Override
    public <T> List<? extends T> loadServiceProviders(Class<T> service) {
        Set<Class<? extends T>> implementations = new LinkedHashSet<>();
        Iterator<Class<? extends T>> it = SPIClassIterator.get(service, ClasspathPluginsService.class.getClassLoader());
        while (it.hasNext()) {
            implementations.add(it.next());
        }
        List<T> result = new ArrayList<>(implementations.size());
        for (Class<? extends T> impl : implementations) {
            result.add(createExtension(impl, service, ownerOf(impl)));
        }
        return List.copyOf(result);
    }

    /** The plugin whose type a one-argument public constructor of {@code impl} accepts, else the first plugin. */
    private Plugin ownerOf(Class<?> impl) {
        for (Constructor<?> c : impl.getConstructors()) {
            if (c.getParameterCount() == 1) {
                for (LoadedPlugin p : classpathPlugins) {
                    if (c.getParameterTypes()[0].isInstance(p.instance())) {
                        return p.instance();
                    }
                }
            }
        }
        return classpathPlugins.isEmpty() ? null : classpathPlugins.get(0).instance();
    }
}
